// The digest's HTML checked as email (`make email-checks`, after `make screenshots`):
//
//   node bench/email_checks.cjs TOOLS_FOLDER FILE.html...
//
// html-validate with the email profile of bench/htmlvalidate.json (inline styles, table
// attributes and <tr> outside <tbody> are how email is written; Outlook's conditional
// comments are intended), and caniemail's data (@jsx-email/doiuse-email) for Gmail, Apple
// Mail, Outlook and Yahoo: a feature some of them lack is reported, and fails the check
// unless it is in PROGRESSIVE, the features the template uses knowing that a client
// without them still shows the layout. Exit status 1 on any other finding.
"use strict";
const fs = require("fs");
const path = require("path");
const { createRequire } = require("module");

const [tools, ...files] = process.argv.slice(2);
const load = createRequire(path.resolve(tools, "package.json"));
const { HtmlValidate, StaticConfigLoader } = load("html-validate");
const { doIUseEmail } = load("@jsx-email/doiuse-email");

const CLIENTS = ["gmail.*", "apple-mail.*", "outlook.*", "yahoo.*"];
// Each with what a client without it shows instead.
const PROGRESSIVE = new Map([
  ["@media", "the 600 px layout, which tables and width attributes make; no dark mode"],
  ["<body> element", "Gmail and Yahoo replace <body> by a <div>: the outer table has the background"],
  ["display:none", "the preheader, also hidden by mso-hide, max-height 0 and its colour"],
  ["overflow", "the preheader (see display:none)"],
  ["opacity", "the preheader (see display:none)"],
  ["role attribute", "tables read as tables by a screen reader"],
  ["outline", "an image's focus outline"],
  ["border-radius", "square corners (Outlook for Windows)"],
  ["white-space", "a full post's <pre> wraps as plain text"],
  ["word-break", "a Japanese title may break inside a phrase"],
  ["aria-hidden attribute", "a screen reader meets an image's link beside its title's twin"],
]);

const config = JSON.parse(fs.readFileSync(path.join(__dirname, "htmlvalidate.json"), "utf8"));
const validator = new HtmlValidate(new StaticConfigLoader(config));
let failed = false;
for (const file of files) {
  const html = fs.readFileSync(file, "utf8");
  const report = validator.validateStringSync(html, file);
  for (const result of report.results) {
    for (const message of result.messages) {
      failed = true;
      console.log(`${file}:${message.line}:${message.column}: ${message.ruleId}: ${message.message}`);
    }
  }
  const usage = doIUseEmail(html, { emailClients: CLIENTS });
  const features = new Map();
  for (const error of usage.errors || []) {
    const found = /^`(.+?)` is not supported by `(.+?)`/.exec(error);
    const [feature, client] = found ? [found[1], found[2]] : [error, ""];
    features.set(feature, new Set([...(features.get(feature) || []), client]));
  }
  for (const [feature, clients] of features) {
    const known = PROGRESSIVE.get(feature);
    if (!known) failed = true;
    const verdict = known ? `accepted: ${known}` : "BREAKS the layout";
    console.log(`${file}: ${feature} (not in ${[...clients].join(", ")}): ${verdict}`);
  }
}
process.exit(failed ? 1 : 0);
