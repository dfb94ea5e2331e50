import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import { HUES, PALETTE, hueColor, isHue, playerColor } from '../src/game/colors.js';
import { RoomState } from '../src/game/room.js';

const welcome = {
  player: 3,
  room: 'r1',
  spectator: false,
  tickRate: 20,
  players: [
    { player: 1, name: 'ada' },
    { player: 3, name: 'bob' },
  ],
};
const ev = (kind, data, tick = 5) => ({ seq: 1, tick, kind, data });

describe('RoomState', () => {
  test('names come from the welcome and the presence events', () => {
    const r = new RoomState();
    r.applyWelcome(welcome);
    assert.equal(r.name(1), 'ada');
    assert.deepEqual(r.applyEvent(ev('joined', [4, 'eve'])), { kind: 'notice', player: 4, text: 'eve joined' });
    assert.equal(r.name(4), 'eve');
    assert.deepEqual(r.applyEvent(ev('dropped', [4, 'eve'])), { kind: 'notice', player: 4, text: 'eve lost their connection' });
    assert.equal(r.players.get(4).away, true);
    assert.deepEqual(r.applyEvent(ev('reconnected', [4, 'eve'])), { kind: 'notice', player: 4, text: 'eve is back' });
    assert.equal(r.players.get(4).away, false);
    assert.deepEqual(r.applyEvent(ev('left', [1, 'ada'])), { kind: 'notice', player: 1, text: 'ada left' });
    assert.equal(r.players.has(1), false);
    assert.equal(r.name(1), 'player 1');
    assert.deepEqual([...r.players.keys()], [3, 4]);
  });

  test('a joined event for a seated player (replayed on resume) says nothing', () => {
    const r = new RoomState();
    r.applyWelcome(welcome);
    assert.equal(r.applyEvent(ev('joined', [1, 'ada'])), undefined);
  });

  test('chat keeps the text as it is', () => {
    const r = new RoomState();
    r.applyWelcome(welcome);
    const text = '<img src=x onerror=alert(1)> & friends';
    assert.deepEqual(r.applyEvent(ev('chat', [1, text])), { kind: 'chat', player: 1, name: 'ada', color: PALETTE[0], text });
  });

  test('deaths: the feed and the own death message', () => {
    const r = new RoomState();
    r.applyWelcome(welcome);
    assert.equal(r.applyEvent(ev('died', [1, 3, 'body'])).text, 'ada crashed into bob');
    assert.equal(r.death, undefined, 'not our death');
    assert.equal(r.applyEvent(ev('died', [3, 1, 'body'], 40)).text, 'bob crashed into ada');
    assert.deepEqual(r.death, { killer: 1, killerName: 'ada', cause: 'body', tick: 40 });
    assert.equal(r.deathMessage(), 'You crashed into ada');
    r.applyEvent(ev('died', [3, 0, 'wall']));
    assert.equal(r.deathMessage(), 'You hit the wall');
    r.applyEvent(ev('died', [3, 0, 'self']));
    assert.equal(r.deathMessage(), 'You ran into your own tail');
    assert.equal(r.applyEvent(ev('died', [3, 0, 'head-on'])).text, 'bob died in a head-on collision');
    assert.equal(r.deathMessage(), 'Head-on collision');
  });

  test('draining, unknown kinds and bad data', () => {
    const r = new RoomState();
    r.applyWelcome(welcome);
    assert.equal(r.applyEvent(ev('draining', [5000])).text, 'The server is restarting in 5 s');
    assert.equal(r.applyEvent(ev('respawned', [3])), undefined);
    assert.equal(r.applyEvent(ev('something-new', { x: 1 })), undefined);
    assert.equal(r.applyEvent(ev('chat', null)).text, '');
  });

  test('a welcome that is not a resume forgets the last death', () => {
    const r = new RoomState();
    r.applyWelcome(welcome);
    r.applyEvent(ev('died', [3, 0, 'wall']));
    r.applyWelcome(welcome, true);
    assert.ok(r.death);
    r.applyWelcome({ ...welcome, player: 7 }, false);
    assert.equal(r.death, undefined);
    assert.equal(r.self, 7);
  });

  test('colours: the colours reply, then colour events; a leaver’s goes with them', () => {
    const r = new RoomState();
    r.applyWelcome(welcome);
    assert.equal(r.color(3), playerColor(3), 'the palette until a hue is chosen');
    r.applyColours([
      [1, 200],
      [3, 0],
    ]);
    assert.deepEqual([...r.hues], [
      [1, 200],
      [3, 0],
    ]);
    assert.equal(r.color(1), 'hsl(200 70% 55%)');
    assert.equal(r.applyEvent(ev('colour', [3, 359])), undefined, 'nothing for the log');
    assert.equal(r.color(3), 'hsl(359 70% 55%)');
    assert.equal(r.applyEvent(ev('chat', [1, 'hi'])).color, 'hsl(200 70% 55%)');
    r.applyEvent(ev('dropped', [1]));
    assert.equal(r.hues.get(1), 200, 'kept while away');
    r.applyEvent(ev('left', [1, 'ada']));
    assert.equal(r.hues.has(1), false);
    // A reply is the whole truth: who is not in it has no hue.
    r.applyColours([[4, 10]]);
    assert.deepEqual([...r.hues], [[4, 10]]);
  });

  test('colours: anything but a hue is ignored', () => {
    const r = new RoomState();
    r.applyWelcome(welcome);
    for (const bad of [[3, 360], [3, -1], [3, 1.5], [3, '20'], [3], null]) r.applyEvent(ev('colour', bad));
    r.applyColours([[1, 400], 'x', [2, 12]]);
    assert.deepEqual([...r.hues], [[2, 12]]);
    r.applyColours(null);
    assert.equal(r.hues.size, 0);
  });

  test('colours: kept on a resume until the reply, forgotten by a new player', () => {
    const r = new RoomState();
    r.applyWelcome(welcome);
    r.applyEvent(ev('colour', [1, 90]));
    r.applyWelcome(welcome, true);
    assert.equal(r.hues.get(1), 90);
    r.applyWelcome({ ...welcome, player: 7 }, false);
    assert.equal(r.hues.size, 0);
  });
});

describe('player colours', () => {
  test('a chosen hue wins over the palette', () => {
    assert.equal(playerColor(1), PALETTE[0]);
    assert.equal(playerColor(13), PALETTE[0], 'the palette wraps');
    assert.equal(playerColor(2, 0), 'hsl(0 70% 55%)');
    assert.equal(hueColor(180), 'hsl(180 70% 55%)');
  });

  test('the picker offers hues the server takes', () => {
    assert.equal(new Set(HUES).size, HUES.length);
    for (const h of HUES) assert.ok(isHue(h), String(h));
    for (const bad of [-1, 360, 2.5, '7', null, undefined, NaN]) assert.equal(isHue(bad), false, String(bad));
    assert.equal(isHue(0), true);
    assert.equal(isHue(359), true);
  });
});
