// The operators' dashboard's loudness meter (operator.html #loudness-card): the programme as it is encoded, after the
// true-peak limiter: momentary (400 ms) and short-term (3 s) loudness as bars with their numbers in LUFS, the
// station's target marked, the true peak against the ceiling, the limiter's gain reduction and the item on air so far.
// operator.js hands it the LoudnessStatus: from JoinOperators and each operatorUpdate (status.loudness) and the
// hub's own `loudness` push, five times a second while an operator is connected (Operations/LoudnessPublisher.cs).
// Native <meter> elements: labelled, with the value in words (aria-valuetext) for screen readers.
// Contract: src/RadioServer/Audio/Loudness/LoudnessStatus.cs, docs/api.md.

import { h, setText } from './dom.js';

const FLOOR = -40; // LUFS at the bars' left end; quieter (and silence) reads as the floor
const TOP = 0;
const MINUS = '\u2212';

const $ = (id) => document.getElementById(id);
const card = $('loudness-card');
const el = {};

/** "−16.2 LUFS"; null: silence. */
export function lufsText(value, unit = 'LUFS') {
  if (typeof value !== 'number' || !isFinite(value)) return null;
  const text = Math.abs(value).toFixed(1);
  return `${value < 0 && text !== '0.0' ? MINUS : ''}${text} ${unit}`;
}

const position = (value) => `${(100 * (Math.min(TOP, Math.max(FLOOR, value)) - FLOOR)) / (TOP - FLOOR)}%`;

function bar(id, label) {
  const meter = h('meter', { id, min: FLOOR, max: TOP, low: -23, high: -9, optimum: -16, value: FLOOR, 'aria-valuetext': 'silence' });
  const target = h('span', { class: 'loudness-target', 'aria-hidden': 'true' });
  const value = h('span', { class: 'loudness-value', id: `${id}-text`, 'aria-hidden': 'true', text: '–' });
  const row = h('div', { class: 'loudness-row' },
    h('label', { for: id, class: 'loudness-label', text: label }),
    h('span', { class: 'loudness-bar' }, meter, target),
    value);
  return { row, meter, target, value };
}

function build() {
  el.momentary = bar('loudness-momentary', 'Momentary');
  el.shortTerm = bar('loudness-shortterm', 'Short-term');
  el.scale = h('div', { class: 'loudness-row loudness-scale muted small', 'aria-hidden': 'true' },
    h('span', {}), h('span', { class: 'loudness-ends' }, h('span', { text: `${MINUS}40` }), h('span', { text: '0 LUFS' })), h('span', { text: '| target' }));
  el.truePeak = h('dd', { id: 'loudness-true-peak', text: '–' });
  el.gain = h('dd', { id: 'loudness-limiter', text: '–' });
  el.item = h('dd', { id: 'loudness-item', text: '–' });
  el.target = h('dd', { id: 'loudness-target', text: '–' });
  card.replaceChildren(
    h('h2', { id: 'loudness-heading', text: 'Loudness on air' }),
    el.momentary.row,
    el.shortTerm.row,
    el.scale,
    h('dl', { class: 'facts facts-grid' },
      h('div', {}, h('dt', { text: 'True peak (1 s)' }), el.truePeak),
      h('div', {}, h('dt', { text: 'Limiter' }), el.gain),
      h('div', {}, h('dt', { text: 'This item so far' }), el.item),
      h('div', {}, h('dt', { text: 'Target' }), el.target)));
}

function showBar(b, value, target) {
  const text = lufsText(value);
  const shown = text === null ? FLOOR : Math.min(TOP, Math.max(FLOOR, value));
  b.meter.setAttribute('value', String(shown));
  b.meter.value = shown;
  b.meter.setAttribute('aria-valuetext', text === null ? 'silence' : text);
  b.meter.dataset.lufs = text === null ? '' : String(value);
  b.meter.setAttribute('optimum', String(target));
  b.target.style.left = position(target);
  setText(b.value, text === null ? 'silence' : text);
}

/** A LoudnessStatus (null or missing: nothing known). */
export function show(loudness) {
  if (!card) return;
  if (!el.momentary) build();
  if (!loudness) return;
  const target = typeof loudness.targetLufs === 'number' ? loudness.targetLufs : -16;
  showBar(el.momentary, loudness.momentaryLufs, target);
  showBar(el.shortTerm, loudness.shortTermLufs, target);
  const tp = lufsText(loudness.truePeakDbtp, 'dBTP');
  const ceiling = lufsText(loudness.ceilingDbtp, 'dBTP');
  setText(el.truePeak, `${tp === null ? 'silence' : tp} (ceiling ${ceiling || '–'})`);
  el.truePeak.dataset.bad = typeof loudness.truePeakDbtp === 'number' && loudness.truePeakDbtp > loudness.ceilingDbtp + 0.05 ? 'true' : 'false';
  const gain = loudness.limiterGainDb;
  setText(el.gain, typeof gain === 'number' && gain < 0 ? `${lufsText(gain, 'dB')} gain reduction` : 'at rest');
  el.gain.dataset.limiting = typeof gain === 'number' && gain < 0 ? 'true' : 'false';
  const item = lufsText(loudness.itemLufs);
  setText(el.item, item === null ? '–' : item);
  setText(el.target, lufsText(target) || '–');
}

export function clear() {
  if (!el.momentary) return;
  for (const b of [el.momentary, el.shortTerm]) {
    b.meter.setAttribute('value', String(FLOOR));
    b.meter.setAttribute('aria-valuetext', 'silence');
    b.meter.dataset.lufs = '';
    setText(b.value, '–');
  }
  for (const node of [el.truePeak, el.gain, el.item, el.target]) setText(node, '–');
}

build();
