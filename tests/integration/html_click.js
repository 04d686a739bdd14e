// Click every arrow of a `sipscope flow --format html` page in a DOM
// (jsdom, scripts run as a browser would) and check what the page shows:
// the message's header line and text, its findings when it has some, and
// one selected arrow.  Usage: node html_click.js PAGE.html [FRAME:RULE ...]
// (FRAME:RULE: clicking the arrow of that frame must show that rule).
'use strict';
const fs = require('fs');
const { JSDOM } = require('jsdom');

const page = fs.readFileSync(process.argv[2], 'utf8');
const want = process.argv.slice(3).map((a) => a.split(':'));
const dom = new JSDOM(page, { runScripts: 'dangerously' });
const doc = dom.window.document;
const arrows = doc.querySelectorAll('g.m');
let bad = 0;
const fail = (why) => { console.log('FAIL ' + why); bad++; };
if (!arrows.length) fail('no arrows');
const shown = {};
arrows.forEach((g) => {
  g.dispatchEvent(new dom.window.MouseEvent('click', { bubbles: true }));
  const n = g.id.slice(1);
  const src = doc.getElementById('m' + n);
  const head = doc.getElementById('msghead').textContent;
  const text = doc.getElementById('msg').textContent;
  if (!src) return fail(g.id + ': no message element');
  if (head !== src.getAttribute('data-head') || !/^Frame \d+ /.test(head)) fail(g.id + ': header line ' + head);
  if (text !== src.textContent || !/^(SIP\/2\.0 \d{3}|[A-Z]+ \S+ SIP\/2\.0)/.test(text)) fail(g.id + ': message text');
  if (doc.querySelectorAll('g.sel').length !== 1 || !g.classList.contains('sel')) fail(g.id + ': selection');
  const frame = head.split(/\s+/)[1];
  shown[frame] = doc.getElementById('findings').textContent;
});
for (const [frame, rule] of want)
  if (!(shown[frame] || '').includes(rule)) fail('frame ' + frame + ' shows no ' + rule + ': "' + (shown[frame] || '') + '"');
if (!bad) console.log('ok ' + arrows.length + ' arrows clicked, each shows its message' + (want.length ? ' and findings' : ''));
process.exit(bad ? 1 : 0);
