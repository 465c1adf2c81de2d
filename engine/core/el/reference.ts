/**
 * The Expression Language reference, rendered from the same function table the evaluator uses
 * (FUNCTIONS and NOT_SUPPORTED in functions.ts). scripts/gen-docs.ts writes it to
 * docs/expression-language.md; the designer's reference page shows that file, and a unit test
 * fails when the committed file differs from this rendering.
 */
import { FUNCTIONS, MAX_RESULT_LENGTH, NOT_SUPPORTED, signature, type Category, type FunctionSpec } from "./functions";
import { MATH_NAMES } from "./numbers";

const CATEGORIES: readonly Category[] = ["Subjectless", "Multiple attributes", "Strings", "Searching", "Encoding", "Null and empty", "Boolean logic", "Numbers", "Dates and instants", "Lists"];

const INTRO = `# Expression Language

NiFi-style \`\${...}\` expressions in property values, evaluated per FlowFile against its
attributes, with NiFi 2.x's functions and semantics: the same names and arguments, whole numbers
and decimals as NiFi has them, and the same handling of missing and empty values. This reference
is generated from the evaluator's own function table (\`engine/core/el/functions.ts\`); NiFi
functions that Sluice does not have are listed at the end with the reason.

## Syntax

| Form | Meaning |
| --- | --- |
| \`text \${expr} text\` | Literal text with embedded expressions; results are concatenated. |
| \`\${filename}\`, \`\${kafka.topic}\` | An attribute (unquoted names may not contain \`$ { } ( ) [ ] , : ; / * ' " \\|\` or whitespace). |
| \`\${'my attr'}\`, \`\${"my attr"}\` | An attribute with any name. |
| \`\${\${name}}\`, \`\${'prefix.\${n}'}\` | The attribute whose name is the value of an expression. |
| \`\${now()}\`, \`\${UUID()}\`, \`\${literal('x')}\` | A subjectless function. |
| \`\${amount:toNumber():gt(50)}\` | Functions chained with \`:\`; each applies to the value on its left. |
| \`\${a:equals(\${b})}\`, \`\${a:equals('\${b}')}\` | A nested expression as an argument; \`\${...}\` inside a quoted argument is evaluated too (write \`$\${\` for a literal \`\${\`). |
| \`'text'\`, \`"text"\` | String arguments. Escapes: \`\\'\` \`\\"\` \`\\\\\` \`\\n\` \`\\r\` \`\\t\`; any other \`\\x\` is kept as typed, so \`matches('\\d+')\` works. |
| \`5\`, \`-2\` | Whole number arguments (64-bit). |
| \`2.5\`, \`1e3\`, \`.5\` | Decimal arguments. |
| \`true\`, \`false\`, \`null\` | Boolean and null arguments. |
| \`$\${x}\` | Literal \`\${x}\`. In a run of \`$\` directly before \`{\`, each \`$$\` is one \`$\` and an odd one left over starts an expression: \`$$\${x}\` is \`$\` followed by the value of \`x\`. A \`$\` not before \`{\` is plain text (\`$$5\` stays \`$$5\`). |
| \`\${ # comment\\n a }\` | Inside \`\${...}\`, \`#\` followed by anything but \`{\` starts a comment that runs to the end of the line. |

Whitespace is allowed between the parts of an expression: \`\${ a : toUpper( ) }\`. As in NiFi, a
\`\${\` whose braces never close (quoted strings respected) is plain text: \`costs \${5\` stays as
typed.

## Values

A value is text, a whole number, a decimal, a boolean, a date, an instant, or nothing (a missing
attribute, \`null\`).

- **Whole numbers** are exact to 64 bits, as Java's \`long\` (arithmetic wraps at 2^63, as Java's
  does). Text \`[+-]digits\` and hexadecimal \`0x1F\` is a whole number.
- **Decimals** are Java doubles and print as Java prints them: \`16.0\`, \`0.001\`, \`1.0E7\`, \`NaN\`.
  Text with a point or an exponent (\`1.5\`, \`1e3\`, \`0xF.Fp10\`) is a decimal.
- \`toNumber()\` gives a whole number (\`1.332\` is \`1\`); \`toDecimal()\` a decimal. \`plus\`,
  \`minus\`, \`multiply\`, \`divide\` and \`mod\` stay whole when both sides are whole (\`5/2\` is
  \`2\`) and give a decimal when either side is a decimal.
- Text that is not a number converts to nothing: a comparison with it is false, arithmetic with it
  is empty.
- Dates print like Java's \`Date.toString()\` in UTC (\`Wed Jan 03 10:04:05 UTC 2024\`). Text used as
  a date may be epoch milliseconds, \`yyyy/MM/dd HH:mm:ss[.SSS]\` or that \`toString\` form; parse
  anything else with \`toDate(pattern)\`. Date patterns follow Java's \`SimpleDateFormat\`; the time
  zone argument accepts \`UTC\`, fixed offsets (\`+05:30\`, \`GMT-8\`) and IANA ids
  (\`Europe/Paris\`); the default is UTC.
- A missing attribute is nothing: \`isNull()\` and \`isEmpty()\` are true, it prints as nothing, and
  each function below says what it gives for it.

An attribute is looked up in the FlowFile's attributes first, then in the flow's variables or
parameters. A condition (RouteOnAttribute, \`and\`, \`or\`, \`not\`, \`ifElse\`) is true iff the value
is boolean true or the text \`true\` in any case.

## Errors and bounds

- **Validation.** Text that does not parse, an unknown function (with a suggestion), a wrong number
  of arguments, a function used with or without a subject against its definition, and a literal
  argument that can never work (a regular expression, including a Java-only construct Sluice's
  linear-time engine cannot run; a date pattern; a time zone; a JSON path; a hash algorithm; a
  duration) are reported when the flow is validated, with the position in the text.
- **Evaluation.** A value that does not work for one FlowFile (a bad index, whole division by
  zero, text that is not a date, invalid Base64 or JSON) fails that FlowFile with an evaluation
  error naming the function and its position; the processor routes it to failure.
- **Bounds.** Every function takes time linear in the size of its inputs (regular expressions
  included), and no function may build a result longer than ${MAX_RESULT_LENGTH.toLocaleString("en-US")} characters (\`padLeft\`,
  \`repeat\`, \`replaceAll\`, \`join\`, the escapes, ...): one that would fails the FlowFile with an
  evaluation error, the same way a bad argument does.
`;

const MULTI = `
Multiple attributes: \`anyAttribute\`, \`allAttributes\`, \`anyMatchingAttribute\`,
\`allMatchingAttributes\`, \`anyDelineatedValue\` and \`allDelineatedValues\` start an expression;
the rest of the expression runs once per selected value. \`any...\` is true when one result is
true, \`all...\` when every result is; an \`all...\` expression may instead end in \`join\` or
\`count\` to reduce the values. Nothing may follow \`join\` or \`count\` (write
\`\${literal(\${...}):fn()}\` instead), as in NiFi.
`;

function cell(text: string): string {
  return text.replace(/\|/g, "\\|").replace(/\n/g, " ");
}

function subjectOf(spec: FunctionSpec): string {
  if (spec.subject === "none") return "none";
  return spec.subjectOptional === true ? "optional" : "yes";
}

function row(spec: FunctionSpec): string {
  const example = spec.example === undefined ? "" : `\`${cell(spec.example[0])}\` → ${cell(spec.example[1])}`;
  return `| \`${signature(spec)}\` | ${subjectOf(spec)} | ${spec.returns} | ${cell(spec.summary)} | ${example} |`;
}

const REGEX = `## Regular expressions

\`matches\`, \`find\`, \`replaceFirst\` and \`replaceAll\` here, and every processor property that
takes a regular expression (RouteOnContent, RouteText, ExtractText, ReplaceText,
UpdateAttribute's delete expression, LogAttribute, GetFile/ListFile filters, ConsumeKafka's
topic and header patterns, JSONPath \`=~\` filters, ...), share one implementation:
\`engine/core/el/regex.ts\`. Patterns are written as in Java (NiFi's syntax) and run on
[re2js](https://github.com/le0pard/re2js), a JavaScript port of RE2. Matching takes time
linear in the input: no pattern can backtrack catastrophically (\`(a+)+\` against a long run
of \`a\` followed by \`!\` answers at once instead of taking seconds, then years).

Supported (RE2 syntax, with Java's spellings translated):

- literals, \`.\`, \`|\`, groups \`(...)\`, non-capturing \`(?:...)\`, named groups \`(?<name>...)\`
  and \`(?P<name>...)\`;
- quantifiers \`*\`, \`+\`, \`?\`, \`{n}\`, \`{n,}\`, \`{n,m}\` (counts up to 1000), and their
  non-greedy forms \`*?\`, \`+?\`, \`??\`, \`{n,m}?\`;
- classes \`[a-z]\`, \`[^...]\`, \`\\d \\w \\s \\D \\W \\S\` (ASCII, as in Java), \`\\h \\H \\v \\V \\R\`,
  Unicode classes \`\\p{L}\`, \`\\p{Lu}\`, \`\\pL\`, \`\\P{L}\`, scripts \`\\p{Greek}\` (also \`\\p{IsGreek}\`,
  \`\\p{script=Greek}\`), POSIX classes \`\\p{Alpha}\`, \`\\p{Punct}\`, ... and \`\\p{javaLowerCase}\`-style
  classes that are one Unicode category;
- anchors \`^ $ \\A \\z \\b \\B\`;
- inline flags anywhere, scoped to the end of the enclosing group as in Java, and in group
  form \`(?i:...)\`: \`i\` (case-insensitive, Unicode-aware), \`m\` (multiline), \`s\` (dot matches
  line terminators), \`x\` (comments: whitespace and \`#...\` ignored), \`d\` (only \`\\n\` ends a
  line), \`u\` (accepted; case folding is always Unicode);
- escapes \`\\t \\n \\r \\f \\a \\e \\cX \\0oct \\xhh \\x{h...} \\uhhhh\`, \`\\Q...\\E\` quoting;
- \`.\` matches any character but a line terminator (\`\\n\`, \`\\r\`, U+0085, U+2028, U+2029)
  unless \`(?s)\`;
- replacement strings: \`$0\` (whole match), \`$1\`... (\`$12\` is group 12 when it exists, else
  group 1 then \`2\`), \`\${name}\`, \`\\$\` for a literal \`$\`; a group that took no part inserts
  nothing.

Not supported, reported when the expression is validated with the construct and its index
in the pattern (e.g. \`backreference \\1 at index 3 is not supported: Sluice matches regular
expressions in linear time (RE2 syntax)\`): backreferences (\`\\1\`, \`\\k<name>\`), lookahead and
lookbehind (\`(?=\`, \`(?!\`, \`(?<=\`, \`(?<!\`), possessive quantifiers (\`a*+\`), atomic groups
(\`(?>...)\`), \`\\G\`, \`\\Z\` (use \`\\z\` or \`$\`), \`\\X\`, Unicode blocks (\`\\p{InGreek}\`: use the script),
nested classes and intersections (\`[a[b]]\`, \`[a-z&&[^x]]\`), and the \`U\` flag.

Limits, checked before anything runs, so validating any pattern takes well under a second:
at most 20,000 characters, repetition counts up to 1000 (nested counts multiply and RE2 allows
1000 in all, so \`a{1000}{1000}\` and \`(?:a{100}){20}\` are rejected), and at most 5,000
compiled instructions (each repetition counts its copies: \`\\d{1000}\` is about 1,000).

Also differing from Java: \`$\` without \`(?m)\` matches only at the very end (Java also before a
final line terminator), \`^\`/\`$\` in multiline mode see only \`\\n\` as a line end, and \`(?i)\` folds
case for all of Unicode.

How patterns are matched, and what that costs, is described in engine/core/el/README.md.
`;

/** The whole reference as Markdown. Deterministic: the same table gives the same text. */
export function renderElReference(): string {
  const parts: string[] = [INTRO, "## Functions\n", '"Subject" says whether the function applies to a value on its left (`${x:fn()}`), stands alone (`${fn()}`), or either. Optional arguments are marked `?`; `...` repeats.\n'];
  for (const category of CATEGORIES) {
    const specs = [...FUNCTIONS.values()].filter((f) => f.category === category).sort((a, b) => a.name.localeCompare(b.name));
    if (specs.length === 0) continue;
    parts.push(`### ${category}\n`);
    if (category === "Multiple attributes") parts.push(MULTI);
    parts.push("| Function | Subject | Returns | Description | Example |", "| --- | --- | --- | --- | --- |", ...specs.map(row), "");
    if (category === "Numbers") parts.push(`\`math\` knows: ${MATH_NAMES.map((n) => `\`${n}\``).join(", ")}.\n`);
  }
  parts.push("## NiFi functions Sluice does not have\n", "| Function | Why |", "| --- | --- |");
  for (const n of NOT_SUPPORTED) parts.push(`| \`${n.name}\` | not supported: ${cell(n.reason)} |`);
  parts.push("", "Using one of them is a validation error that says so.", "");
  parts.push(REGEX);
  return parts.join("\n");
}
