/**
 * NiFi's arithmetic on whole numbers (Java long: exact, wrapping at 64 bits, truncating
 * division) and decimals (Java double), and the `math` function's view of java.lang.Math.
 * A result whole number is a safe-integer `number` when it fits, else a `bigint`.
 */
import { decimalOf, doubleOf, isDecimal, wholeOf, type ElNumber, type ElWhole } from "./values";

/** A failure Java would raise (ArithmeticException, NumberFormatException); the caller adds the position. */
export class NumberError extends Error {}

export type Op = "plus" | "minus" | "multiply" | "divide" | "mod";

function bigOp(op: Op, l: bigint, r: bigint): ElWhole {
  switch (op) {
    case "plus": return wholeOf(l + r);
    case "minus": return wholeOf(l - r);
    case "multiply": return wholeOf(l * r);
    case "divide":
      if (r === 0n) throw new NumberError("/ by zero");
      return wholeOf(l / r);
    case "mod":
      if (r === 0n) throw new NumberError("/ by zero");
      return wholeOf(l % r);
  }
}

function wholeOp(op: Op, l: ElWhole, r: ElWhole): ElWhole {
  if (typeof l === "number" && typeof r === "number") {
    let v: number;
    switch (op) {
      case "plus": v = l + r; break;
      case "minus": v = l - r; break;
      case "multiply": v = l * r; break;
      case "divide":
        if (r === 0) throw new NumberError("/ by zero");
        // Exact for operands below 2^31; larger ones take the bigint path.
        if (l < 2147483648 && l > -2147483648 && r < 2147483648 && r > -2147483648) return Math.trunc(l / r) + 0;
        return bigOp(op, BigInt(l), BigInt(r));
      case "mod":
        if (r === 0) throw new NumberError("/ by zero");
        return (l % r) + 0;
    }
    if (Number.isSafeInteger(v)) return v + 0;
  }
  return bigOp(op, BigInt(l), BigInt(r));
}

/** Each operation on doubles (Java's double arithmetic is IEEE 754, as JavaScript's). */
export const DOUBLE_OPS: Readonly<Record<Op, (a: number, b: number) => number>> = {
  plus: (a, b) => a + b,
  minus: (a, b) => a - b,
  multiply: (a, b) => a * b,
  divide: (a, b) => a / b,
  mod: (a, b) => a % b,
};

/** NiFi's Plus/Minus/Multiply/Divide/ModEvaluator: decimal when either side is a decimal, else whole. */
export function arithmetic(op: Op, l: ElNumber, r: ElNumber): ElNumber {
  if (isDecimal(l) || isDecimal(r)) return decimalOf(DOUBLE_OPS[op](doubleOf(l), doubleOf(r)));
  return wholeOp(op, l as ElWhole, r as ElWhole);
}

/** -1, 0 or 1 as Java compares: as doubles when either is a decimal, else as longs. */
export function compareNumbers(l: ElNumber, r: ElNumber): number {
  if (isDecimal(l) || isDecimal(r)) {
    const a = doubleOf(l);
    const b = doubleOf(r);
    return a < b ? -1 : a > b ? 1 : a === b ? 0 : NaN;
  }
  const a = l as ElWhole;
  const b = r as ElWhole;
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Java's Long.toString(n, radix): radix outside 2..36 means 10. */
export function toRadix(n: ElWhole, radix: number): string {
  const r = radix < 2 || radix > 36 ? 10 : radix;
  return typeof n === "number" ? n.toString(r) : n.toString(r);
}

/** Java's Long.parseLong(s, radix). */
export function fromRadix(s: string, radix: number): ElWhole {
  if (radix < 2 || radix > 36) throw new NumberError(`radix ${radix} is out of range (2 to 36)`);
  let i = 0;
  let neg = false;
  if (s[0] === "-" || s[0] === "+") {
    neg = s[0] === "-";
    i = 1;
  }
  if (i >= s.length) throw new NumberError(`For input string: "${s}"`);
  let v = 0n;
  const R = BigInt(radix);
  for (; i < s.length; i++) {
    const d = parseInt(s[i], 36);
    if (Number.isNaN(d) || d >= radix) throw new NumberError(`For input string: "${s}" under radix ${radix}`);
    v = v * R + BigInt(d);
  }
  if (neg) v = -v;
  if (v < -(2n ** 63n) || v > 2n ** 63n - 1n) throw new NumberError(`For input string: "${s}" under radix ${radix} (out of the 64-bit range)`);
  return wholeOf(v);
}

type D1 = (a: number) => number;
type D2 = (a: number, b: number) => number;

/** java.lang.Math methods taking one double (results are doubles unless marked whole). */
const MATH_D: Record<string, D1> = {
  abs: Math.abs, acos: Math.acos, asin: Math.asin, atan: Math.atan, cbrt: Math.cbrt, ceil: Math.ceil, cos: Math.cos,
  cosh: Math.cosh, exp: Math.exp, expm1: Math.expm1, floor: Math.floor, log: Math.log, log10: Math.log10, log1p: Math.log1p,
  rint: (a) => {
    const f = Math.floor(a);
    const d = a - f;
    return d < 0.5 ? f : d > 0.5 ? f + 1 : f % 2 === 0 ? f : f + 1;
  },
  signum: Math.sign, sin: Math.sin, sinh: Math.sinh, sqrt: Math.sqrt, tan: Math.tan, tanh: Math.tanh,
  toDegrees: (a) => (a * 180) / Math.PI, toRadians: (a) => (a / 180) * Math.PI,
  nextUp: (a) => nextAfter(a, Infinity), nextDown: (a) => nextAfter(a, -Infinity),
  ulp: (a) => Math.abs(nextAfter(Math.abs(a), Infinity) - Math.abs(a)),
};
/** java.lang.Math methods taking one double and returning a whole number. */
const MATH_D_WHOLE: Record<string, (a: number) => ElWhole> = {
  round: (a) => (a !== a ? 0 : BigInt.asIntN(64, BigInt(Math.floor(a + 0.5))) === BigInt(Math.floor(a + 0.5)) ? Math.floor(a + 0.5) : 0),
  getExponent: (a) => (a === 0 || !Number.isFinite(a) ? (a === 0 ? -1023 : 1024) : Math.floor(Math.log2(Math.abs(a)))),
};
/** java.lang.Math methods taking one long. */
const MATH_L: Record<string, (a: bigint) => bigint> = {
  abs: (a) => (a < 0n ? -a : a),
  negateExact: (a) => -a,
  incrementExact: (a) => a + 1n,
  decrementExact: (a) => a - 1n,
  absExact: (a) => (a < 0n ? -a : a),
};
const MATH_DD: Record<string, D2> = {
  atan2: Math.atan2, copySign: (a, b) => Math.abs(a) * (b < 0 || Object.is(b, -0) ? -1 : 1), hypot: Math.hypot,
  IEEEremainder: (a, b) => a - b * MATH_D.rint(a / b), max: Math.max, min: Math.min, nextAfter: (a, b) => nextAfter(a, b), pow: Math.pow,
};
const MATH_LL: Record<string, (a: bigint, b: bigint) => bigint> = {
  max: (a, b) => (a > b ? a : b),
  min: (a, b) => (a < b ? a : b),
  addExact: (a, b) => exact(a + b),
  subtractExact: (a, b) => exact(a - b),
  multiplyExact: (a, b) => exact(a * b),
  floorDiv: (a, b) => {
    if (b === 0n) throw new NumberError("/ by zero");
    const q = a / b;
    return (a % b !== 0n) && ((a < 0n) !== (b < 0n)) ? q - 1n : q;
  },
  floorMod: (a, b) => {
    if (b === 0n) throw new NumberError("/ by zero");
    const m = a % b;
    return m !== 0n && (m < 0n) !== (b < 0n) ? m + b : m;
  },
};
/** (double, int) */
const MATH_DI: Record<string, (a: number, b: number) => number> = {
  scalb: (a, b) => a * Math.pow(2, b),
};

function exact(v: bigint): bigint {
  if (v < -(2n ** 63n) || v > 2n ** 63n - 1n) throw new NumberError("long overflow");
  return v;
}

function nextAfter(a: number, toward: number): number {
  if (a !== a || toward !== toward) return NaN;
  if (a === toward) return toward;
  if (a === 0) return toward > 0 ? Number.MIN_VALUE : -Number.MIN_VALUE;
  const buf = new DataView(new ArrayBuffer(8));
  buf.setFloat64(0, a);
  let bits = buf.getBigInt64(0);
  bits += (toward > a) === (a > 0) ? 1n : -1n;
  buf.setBigInt64(0, bits);
  return buf.getFloat64(0);
}

/** The names `math` knows, for docs and validation. */
export const MATH_NAMES: readonly string[] = [
  ...new Set([...Object.keys(MATH_D), ...Object.keys(MATH_D_WHOLE), ...Object.keys(MATH_L), ...Object.keys(MATH_DD), ...Object.keys(MATH_LL), ...Object.keys(MATH_DI), "random"]),
].sort();

const big = (n: ElWhole): bigint => (typeof n === "bigint" ? n : BigInt(n));

/**
 * NiFi's MathEvaluator: the java.lang.Math method `name` chosen by the argument types as Java
 * reflection would (long or double; a whole second argument falls back to an int parameter).
 * `subject` undefined: the subjectless form (only `random`).
 */
export function callMath(name: string, subject: ElNumber | undefined, arg: ElNumber | undefined): ElNumber {
  if (subject === undefined) {
    if (name === "random") return decimalOf(Math.random());
    throw new NumberError(`Cannot evaluate 'math' function because no subjectless method was found with the name:'${name}'`);
  }
  const sd = isDecimal(subject);
  if (arg === undefined) {
    if (sd) {
      const d = MATH_D[name];
      if (d !== undefined) return decimalOf(d(doubleOf(subject)));
      const w = MATH_D_WHOLE[name];
      if (w !== undefined) return w(doubleOf(subject));
    } else {
      const l = MATH_L[name];
      if (l !== undefined) return wholeOf(exact(l(big(subject as ElWhole))));
    }
    throw new NumberError(`Cannot evaluate 'math' function because no method was found matching the passed parameters: name:'${name}', one argument of type: '${sd ? "double" : "long"}'`);
  }
  const ad = isDecimal(arg);
  if (sd && ad) {
    const f = MATH_DD[name];
    if (f !== undefined) return decimalOf(f(doubleOf(subject), doubleOf(arg)));
  } else if (!sd && !ad) {
    const f = MATH_LL[name];
    if (f !== undefined) return wholeOf(f(big(subject as ElWhole), big(arg as ElWhole)));
  } else if (sd && !ad) {
    const f = MATH_DI[name];
    if (f !== undefined) return decimalOf(f(doubleOf(subject), Number(BigInt.asIntN(32, big(arg as ElWhole)))));
  }
  throw new NumberError(
    `Cannot evaluate 'math' function because no method was found matching the passed parameters: name:'${name}', first argument type: '${sd ? "double" : "long"}', second argument type:  '${ad ? "double" : "long"}'`,
  );
}
