import { describe, expect, it } from "vitest";
import { compileJsonPath, type Json } from "../../../processors/lib/json-path";

const store: Json = {
  store: {
    book: [
      { category: "reference", author: "Nigel Rees", title: "Sayings", price: 8.95 },
      { category: "fiction", author: "Evelyn Waugh", title: "Sword", price: 12.99 },
      { category: "fiction", author: "Herman Melville", title: "Moby Dick", isbn: "0-553", price: 8.99 },
      { category: "fiction", author: "J. R. R. Tolkien", title: "LOTR", isbn: "0-395", price: 22.99 },
    ],
    bicycle: { color: "red", price: 19.95 },
  },
  "odd key": 1,
};

const read = (p: string) => compileJsonPath(p).read(store);

describe("JSONPath", () => {
  it("reads definite paths as single values", () => {
    expect(read("$.store.bicycle.color")).toEqual({ found: true, value: "red" });
    expect(read("$['store']['book'][0].title").value).toBe("Sayings");
    expect(read("$.store.book[-1].title").value).toBe("LOTR");
    expect(read("$['odd key']").value).toBe(1);
    expect(read("$.store.nothing")).toEqual({ found: false, value: null });
    expect(compileJsonPath("$.a").definite).toBe(true);
  });

  it("reads indefinite paths as lists", () => {
    expect(read("$.store.book[*].author").value).toEqual(["Nigel Rees", "Evelyn Waugh", "Herman Melville", "J. R. R. Tolkien"]);
    expect(read("$..price").value).toEqual([8.95, 12.99, 8.99, 22.99, 19.95]);
    expect(read("$.store.book[0,2].title").value).toEqual(["Sayings", "Moby Dick"]);
    expect(read("$.store.book[1:3].title").value).toEqual(["Sword", "Moby Dick"]);
    expect(read("$.store.book[-2:].title").value).toEqual(["Moby Dick", "LOTR"]);
    expect(read("$.store.book[::-1].price").value).toEqual([22.99, 8.99, 12.99, 8.95]);
    expect(read("$.store.bicycle.*").value).toEqual(["red", 19.95]);
    expect(read("$.nothing[*]").value).toEqual([]);
    expect(compileJsonPath("$..a").definite).toBe(false);
  });

  it("filters", () => {
    expect(read("$.store.book[?(@.price < 10)].title").value).toEqual(["Sayings", "Moby Dick"]);
    expect(read("$..book[?(@.isbn)].title").value).toEqual(["Moby Dick", "LOTR"]);
    expect(read("$..book[?(@.category == 'fiction' && @.price > 20)].title").value).toEqual(["LOTR"]);
    expect(read("$..book[?(@.author =~ /.*Waugh/)].title").value).toEqual(["Sword"]);
    expect(read("$..book[?(!(@.isbn) || @.price > 20)].title").value).toEqual(["Sayings", "Sword", "LOTR"]);
    expect(read("$..book[?(@.price > $.store.bicycle.price)].title").value).toEqual(["LOTR"]);
  });

  it("applies trailing functions", () => {
    expect(read("$.store.book.length()").value).toBe(4);
    expect(read("$.store.book[*].price.max()").value).toBe(22.99);
    expect(read("$..book[?(@.price.length())]").value).toEqual([]);
  });

  it("rejects malformed paths", () => {
    for (const bad of ["store.book", "$.a[", "$.a[?(@.x ==)]", "$.a['x", "$.a[1:2:0]", "$.a b"]) {
      expect(() => compileJsonPath(bad), bad).toThrow(/JSONPath/);
    }
  });
});
