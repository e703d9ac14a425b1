// Regenerates gpt2-expected-ids.json: GPT-2 token ids computed by an independent implementation, OpenAI's
// tiktoken (its Rust core compiled to WebAssembly, npm package "tiktoken" 1.0.22, encoding "gpt2" = r50k_base).
// The Java tests never run this; they only read the JSON it writes.
//
//   mkdir /tmp/tokgen && cd /tmp/tokgen && npm install tiktoken@1.0.22
//   NODE_PATH=/tmp/tokgen/node_modules node gpt2-expected-ids.mjs <shared/data dir> > gpt2-expected-ids.json
//
// "texts" are literal strings; "files" are the CS336 fixture files in shared/data, named, not copied.
// "special": true means <|endoftext|> is registered as a special token (tiktoken's allowed_special = "all").
import { createRequire } from "module";
import { readFileSync } from "fs";
import { join } from "path";

const require = createRequire(import.meta.url);
const { get_encoding } = require("tiktoken");
const enc = get_encoding("gpt2");
const dataDir = process.argv[2];

const texts = [
  ["Hello", false],
  [" world", false],
  ["Hello world", false],
  ["Hello, world! How's it going? I'm fine; you'll see, they've said we'd go.", false],
  ["It's 2024: 3.14159 and 1,000,000 + 42 = 1000042", false],
  ["  leading spaces,   inner   runs,\ttabs\t\tand trailing   ", false],
  ["line one\nline two\n\nline four\r\n\r\n  indented\n", false],
  ["Grüße aus Köln: „Anführungszeichen“ und Straße; naïve café, résumé", false],
  ["日本語のテキストと中文文本, Ελληνικά, русский текст, עברית, العربية", false],
  ["emoji 😀👍🏽 and 🇩🇪 flags, math ∑∫√∞ ≠ ≤, arrows → ⇒", false],
  ["symbols !!! ??? ... --- *** ### $$$ %%% &&& @@@ ^^^ ~~~ ``` ||| \\\\ //", false],
  ["CAPS'S AND 'QUOTES' WITH CONTRACTIONS DON'T I'LL 'll 've 're 'd 'm 't 's", false],
  ["\u00a0non-breaking\u00a0space, thin\u2009space, ideographic\u3000space, zero\u200bwidth", false],
  ["<|endoftext|>", false],
  ["<|endoftext|>", true],
  ["Once upon a time<|endoftext|>There was a cat.<|endoftext|>", true],
  ["a<|endoftext|>b <|endoftext|> c\n<|endoftext|>\n", true],
];
const files = [
  ["address.txt", false],
  ["german.txt", false],
  ["tinystories_sample.txt", true],
  ["special_token_trailing_newlines.txt", true],
  ["special_token_double_newlines_non_whitespace.txt", true],
];

const ids = (text, special) => Array.from(special ? enc.encode(text, "all") : enc.encode(text, [], []));
const out = {
  generator: "gpt2-expected-ids.mjs: npm tiktoken 1.0.22, get_encoding(\"gpt2\")",
  texts: texts.map(([text, special]) => ({ text, special, ids: ids(text, special) })),
  files: files.map(([file, special]) => ({
    file, special, ids: ids(readFileSync(join(dataDir, file), "utf8"), special),
  })),
};
// One case per line keeps diffs readable.
const line = (o) => "    " + JSON.stringify(o);
process.stdout.write("{\n  \"generator\": " + JSON.stringify(out.generator) + ",\n  \"texts\": [\n"
  + out.texts.map(line).join(",\n") + "\n  ],\n  \"files\": [\n" + out.files.map(line).join(",\n") + "\n  ]\n}\n");
enc.free();
