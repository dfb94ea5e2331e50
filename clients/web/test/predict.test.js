import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import { CORRECTION_MS, HeadFacing, TurnPredictor, knownAhead, replay, reverse, steer, turnsAhead } from '../src/game/predict.js';
import { Dir, Status } from '../src/game/snake.js';

const { UP, RIGHT, DOWN, LEFT } = Dir;
const alive = (dir) => ({ status: Status.ALIVE, dir });
const dead = { status: Status.DEAD, dir: 0 };
/** Dead with respawnIn ticks to go: died respawnTicks - respawnIn ticks ago. */
const deadFor = (respawnIn) => ({ ...dead, respawnIn });

describe('the rules of a turn, replayed', () => {
  test('a turn to a side is taken; onto the direction or its reverse, thrown away', () => {
    assert.deepEqual(steer(RIGHT, [UP]), [UP, []]);
    assert.deepEqual(steer(RIGHT, [LEFT]), [RIGHT, []]);
    assert.deepEqual(steer(RIGHT, [RIGHT]), [RIGHT, []]);
    assert.deepEqual(steer(RIGHT, [LEFT, RIGHT, DOWN, UP]), [DOWN, [UP]], 'useless turns do not use up the tick');
    assert.equal(reverse(UP), DOWN);
    assert.equal(reverse(LEFT), RIGHT);
  });

  test('one turn a tick, in order', () => {
    assert.deepEqual(replay(RIGHT, [UP, LEFT]), [UP, LEFT], 'a U-turn takes two ticks');
    assert.deepEqual(replay(RIGHT, [UP, DOWN]), [UP], 'the second is the reverse of the first');
    assert.deepEqual(replay(RIGHT, [LEFT]), []);
    assert.deepEqual(replay(RIGHT, []), []);
  });
});

describe('TurnPredictor', () => {
  // A snake going right at tick 10, no input yet, in a room whose
  // respawnTicks date deaths (0: unknown).
  function going(dir = RIGHT, respawnTicks = 0) {
    const p = new TurnPredictor();
    p.reset(respawnTicks);
    assert.equal(p.snapshot(10, 0, alive(dir)), false);
    return p;
  }

  test('an accepted turn shows at once and stays when the server takes it', () => {
    const p = going();
    p.sent(1, UP);
    assert.deepEqual(p.plan, [UP]);
    assert.equal(p.final, UP);
    assert.equal(p.pending, 1);
    // Snapshots from before the input reached the room.
    assert.equal(p.snapshot(11, 0, alive(RIGHT)), false);
    assert.deepEqual(p.plan, [UP]);
    // The room took it before step 12 and turned.
    assert.equal(p.snapshot(12, 1, alive(UP)), false);
    assert.equal(p.pending, 0, 'the ack drops it from the pending inputs');
    assert.deepEqual(p.plan, [], 'nothing left to predict: the server has it');
    assert.equal(p.final, UP);
    assert.equal(p.mispredictions, 0);
  });

  test('a reversal is never shown, and the server agrees', () => {
    const p = going();
    p.sent(1, LEFT);
    assert.deepEqual(p.plan, []);
    assert.equal(p.final, RIGHT);
    assert.equal(p.snapshot(11, 1, alive(RIGHT)), false);
    assert.equal(p.pending, 0);
    assert.equal(p.final, RIGHT);
    // A turn onto the direction it has is thrown away too.
    p.sent(2, RIGHT);
    assert.deepEqual(p.plan, []);
  });

  test('two quick turns: both taken in one tick, the second used on the next', () => {
    const p = going();
    p.sent(1, UP);
    p.sent(2, LEFT);
    assert.deepEqual(p.plan, [UP, LEFT]);
    // Both acknowledged by snapshot 11, which shows only the first.
    assert.equal(p.snapshot(11, 2, alive(UP)), false);
    assert.equal(p.pending, 0);
    assert.deepEqual(p.queued, [LEFT], 'the room still holds the second');
    assert.deepEqual(p.plan, [LEFT], 'so it stays shown');
    assert.equal(p.snapshot(12, 2, alive(LEFT)), false);
    assert.deepEqual(p.queued, []);
    assert.deepEqual(p.plan, []);
    assert.equal(p.mispredictions, 0);
  });

  test('two quick turns of which the second reverses the first: only the first', () => {
    const p = going();
    p.sent(1, UP);
    p.sent(2, DOWN);
    assert.deepEqual(p.plan, [UP]);
    assert.equal(p.snapshot(11, 2, alive(UP)), false);
    assert.deepEqual(p.queued, [DOWN], 'the room holds it until the next tick throws it away');
    assert.deepEqual(p.plan, []);
    assert.equal(p.final, UP);
    assert.equal(p.snapshot(12, 2, alive(UP)), false);
    assert.deepEqual(p.queued, []);
  });

  test('the ack drops exactly the inputs up to it; dropped inputs go too', () => {
    const p = going();
    p.sent(1, UP);
    p.sent(2, LEFT);
    p.sent(3, DOWN);
    assert.equal(p.pending, 3);
    assert.equal(p.snapshot(11, 1, alive(UP)), false);
    assert.equal(p.pending, 2);
    assert.deepEqual(p.plan, [LEFT, DOWN]);
    p.dropped(3); // rate_limited: the room never takes it
    assert.equal(p.pending, 1);
    assert.deepEqual(p.plan, [LEFT]);
    // An ack never goes back, and a later snapshot with the same ack keeps them.
    assert.equal(p.snapshot(12, 1, alive(UP)), false);
    assert.equal(p.pending, 1);
  });

  test('a skipped tick: the turns the room holds are used on the ticks between', () => {
    const p = going();
    p.sent(1, UP);
    p.sent(2, LEFT);
    assert.equal(p.snapshot(11, 2, alive(UP)), false);
    // Tick 12 went by unseen: it used the queued LEFT.
    assert.equal(p.snapshot(13, 2, alive(LEFT)), false);
    assert.deepEqual(p.queued, []);
    assert.equal(p.final, LEFT);
  });

  test('the room holds 4 turns: a fifth taken with them is dropped', () => {
    const p = going();
    for (const [i, d] of [UP, LEFT, DOWN, RIGHT, UP].entries()) p.sent(i + 1, d);
    // Inputs in flight are taken one by one as they arrive, as a rule:
    // all five are shown.
    assert.deepEqual(p.plan, [UP, LEFT, DOWN, RIGHT, UP]);
    // These all came before one tick: the room kept four.
    assert.equal(p.snapshot(11, 5, alive(UP)), true);
    assert.deepEqual(p.queued, [LEFT, DOWN, RIGHT]);
    assert.equal(p.final, RIGHT);
  });

  test('the server disagreeing: its state wins, and the misprediction is counted', () => {
    const p = going();
    p.sent(1, UP);
    // Acknowledged, yet the snake did not turn (the room had other turns
    // queued, say): the model follows the server.
    assert.equal(p.snapshot(11, 1, alive(DOWN)), true);
    assert.deepEqual(p.plan, []);
    assert.deepEqual(p.queued, []);
    assert.equal(p.final, DOWN);
    assert.equal(p.mispredictions, 1);
  });

  test('the server disagreeing: the snake died before the turn reached it', () => {
    const p = going();
    p.sent(1, UP);
    assert.equal(p.final, UP);
    assert.equal(p.snapshot(11, 0, dead), true, 'the shown turn is taken back');
    assert.deepEqual(p.plan, []);
    assert.equal(p.final, undefined);
    // The room ignores it while the snake is dead; the ack still comes.
    assert.equal(p.snapshot(12, 1, dead), false);
    assert.equal(p.pending, 0);
    // The new snake: nothing queued, nothing pending.
    assert.equal(p.snapshot(22, 1, alive(LEFT)), false);
    assert.deepEqual(p.plan, []);
    assert.equal(p.final, LEFT);
    assert.equal(p.mispredictions, 1);
  });

  test('a turn made just before a death is no misprediction, though the snapshot of the turn was skipped', () => {
    const p = going(RIGHT, 20);
    p.sent(1, UP);
    // Tick 11 went by unseen; the snake died in tick 12's step (respawn_in
    // is still the room's respawn_ticks), which turned it before it moved.
    assert.equal(p.snapshot(12, 1, deadFor(20)), false);
    assert.equal(p.mispredictions, 0);
    assert.deepEqual(p.plan, []);
  });

  test('a death before the turns shown were made takes them back', () => {
    const p = going(RIGHT, 20);
    p.sent(1, UP);
    p.sent(2, LEFT);
    // Both taken, the snake died the tick after the last seen: it made UP
    // only (one turn a tick).
    assert.equal(p.snapshot(11, 2, deadFor(20)), true);
    // A turn sent and never acknowledged was not made, whenever the death.
    const q = going(RIGHT, 20);
    q.sent(1, UP);
    q.sent(2, LEFT);
    assert.equal(q.snapshot(11, 2, alive(UP)), false);
    q.sent(3, DOWN);
    assert.equal(q.snapshot(14, 2, deadFor(18)), true, 'DOWN was never acknowledged');
    assert.equal(q.mispredictions, 1);
  });

  test('the death is dated from respawn_in: the queued turns before it were made, those after it not', () => {
    // UP taken at tick 11, LEFT and DOWN queued for 12 and 13; seen dead at 14.
    const queued = (respawnTicks) => {
      const p = going(RIGHT, respawnTicks);
      p.sent(1, UP);
      p.sent(2, LEFT);
      p.sent(3, DOWN);
      assert.equal(p.snapshot(11, 3, alive(UP)), false);
      assert.deepEqual(p.queued, [LEFT, DOWN]);
      return p;
    };
    assert.equal(queued(20).snapshot(14, 3, deadFor(20)), false, 'died in tick 14: both queued turns made');
    assert.equal(queued(20).snapshot(14, 3, deadFor(18)), true, 'died in tick 12: DOWN never made');
    assert.equal(queued(0).snapshot(14, 3, deadFor(20)), true, 'respawn_ticks unknown: as early as it can be, tick 12');
  });

  test('reset forgets the connection’s inputs', () => {
    const p = going();
    p.sent(1, UP);
    p.reset();
    assert.equal(p.pending, 0);
    assert.deepEqual(p.plan, []);
    assert.equal(p.final, undefined);
  });
});

describe('the head ahead of the body', () => {
  const item = (tick, dir, status = Status.ALIVE) => ({ tick, state: { snakes: [{ player: 1, status, dir }, { player: 2, status: Status.ALIVE, dir: DOWN }] } });

  test('knownAhead lists the newer snapshots’ directions, then the plan', () => {
    const items = [item(10, RIGHT), item(11, RIGHT), item(12, UP), item(13, LEFT)];
    // Drawn at 10.8: tick 11's direction shows from 10.5 on.
    assert.deepEqual(knownAhead(items, 10.8, 1, [DOWN]), [UP, LEFT, DOWN]);
    assert.deepEqual(knownAhead(items, 10.2, 1), [RIGHT, UP, LEFT]);
    assert.deepEqual(knownAhead(items, 13, 1, [DOWN]), [DOWN]);
    // It stops where the snake dies, and the plan is not its.
    const dies = [item(10, RIGHT), item(11, UP), item(12, 0, Status.DEAD), item(13, LEFT)];
    assert.deepEqual(knownAhead(dies, 10, 1, [DOWN]), [UP]);
  });

  test('turnsAhead lists the changes of direction: the head faces the first', () => {
    assert.deepEqual(turnsAhead(RIGHT, [RIGHT, RIGHT, UP, UP, LEFT]), [UP, LEFT], 'a U-turn: up first, then left');
    assert.deepEqual(turnsAhead(RIGHT, [UP, RIGHT, UP, RIGHT]), [UP, RIGHT, UP], 'at most 3');
    assert.deepEqual(turnsAhead(RIGHT, [UP, RIGHT, UP, RIGHT], 2), [UP, RIGHT]);
    assert.deepEqual(turnsAhead(RIGHT, [RIGHT]), []);
    assert.deepEqual(turnsAhead(RIGHT, []), []);
  });
});

describe('HeadFacing', () => {
  const near = (a, b) => a.every((v, i) => Math.abs(v - b[i]) < 1e-9);

  test('a key press turns it at once; a correction eases back over CORRECTION_MS', () => {
    const h = new HeadFacing();
    let s = h.show(RIGHT, false, 0, true);
    assert.equal(s.dir, RIGHT);
    assert.ok(near(s.facing, [1, 0]));
    assert.equal(s.lead, 0);
    // Pressed up: at once, with the chevron.
    s = h.show(UP, true, 16, true);
    assert.equal(s.dir, UP);
    assert.ok(near(s.facing, [0, -1]));
    assert.equal(s.lead, 1);
    // Taken back at 100 ms: half way round at 150, right again at 200.
    s = h.show(RIGHT, false, 100, false);
    assert.equal(s.dir, -1, 'not a snap');
    s = h.show(RIGHT, false, 100 + CORRECTION_MS / 2, false);
    assert.equal(s.dir, -1);
    assert.ok(near(s.facing, [Math.SQRT1_2, -Math.SQRT1_2]), `facing ${s.facing}`);
    assert.ok(s.lead > 0.4 && s.lead < 0.6, `lead ${s.lead}`);
    s = h.show(RIGHT, false, 100 + CORRECTION_MS, false);
    assert.equal(s.dir, RIGHT);
    assert.ok(near(s.facing, [1, 0]));
    assert.equal(s.lead, 0);
  });

  test('it turns the shorter way round, across the angle’s wrap', () => {
    const h = new HeadFacing();
    h.show(LEFT, false, 0, true);
    // Left to down: a quarter turn (through down-left), not three.
    const s = h.show(DOWN, false, 10, false);
    const mid = h.show(DOWN, false, 10 + CORRECTION_MS / 2, false);
    assert.equal(s.dir, -1);
    assert.ok(near(mid.facing, [-Math.SQRT1_2, Math.SQRT1_2]), `facing ${mid.facing}`);
  });
});
