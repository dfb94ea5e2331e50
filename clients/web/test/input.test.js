import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import { bindControls, dirForKey, dirForSwipe } from '../src/game/input.js';
import { Dir } from '../src/game/snake.js';

const key = (key, code = '', extra = {}) => ({ key, code, target: { tagName: 'BODY' }, ...extra });

describe('controls', () => {
  test('arrow keys and WASD by position', () => {
    assert.equal(dirForKey(key('ArrowUp')), Dir.UP);
    assert.equal(dirForKey(key('ArrowRight')), Dir.RIGHT);
    assert.equal(dirForKey(key('ArrowDown')), Dir.DOWN);
    assert.equal(dirForKey(key('ArrowLeft')), Dir.LEFT);
    assert.equal(dirForKey(key('w', 'KeyW')), Dir.UP);
    assert.equal(dirForKey(key('z', 'KeyW')), Dir.UP, 'AZERTY: the key where W is');
    assert.equal(dirForKey(key('d', 'KeyD')), Dir.RIGHT);
    assert.equal(dirForKey(key('s', 'KeyS')), Dir.DOWN);
    assert.equal(dirForKey(key('a', 'KeyA')), Dir.LEFT);
    assert.equal(dirForKey(key('x', 'KeyX')), undefined);
  });

  test('no turns while typing or with modifiers', () => {
    assert.equal(dirForKey(key('w', 'KeyW', { target: { tagName: 'INPUT' } })), undefined);
    assert.equal(dirForKey(key('ArrowUp', '', { target: { tagName: 'TEXTAREA' } })), undefined);
    assert.equal(dirForKey(key('w', 'KeyW', { target: { tagName: 'DIV', isContentEditable: true } })), undefined);
    assert.equal(dirForKey(key('ArrowLeft', '', { ctrlKey: true })), undefined);
    assert.equal(dirForKey(key('a', 'KeyA', { metaKey: true })), undefined);
  });

  test('swipes by their longer axis, once long enough', () => {
    assert.equal(dirForSwipe(30, 5), Dir.RIGHT);
    assert.equal(dirForSwipe(-30, 20), Dir.LEFT);
    assert.equal(dirForSwipe(4, 40), Dir.DOWN);
    assert.equal(dirForSwipe(-10, -25), Dir.UP);
    assert.equal(dirForSwipe(10, 10), undefined);
  });

  test('bindControls: keys (not repeats) and swipes, until unbound', () => {
    const target = () => {
      const handlers = {};
      return {
        handlers,
        addEventListener: (t, fn) => (handlers[t] = fn),
        removeEventListener: (t) => delete handlers[t],
      };
    };
    const win = target();
    const board = target();
    const got = [];
    const unbind = bindControls(win, board, (d) => got.push(d));
    let prevented = 0;
    const k = (e) => win.handlers.keydown({ ...e, preventDefault: () => prevented++ });
    k(key('ArrowDown'));
    k(key('ArrowDown', '', { repeat: true }));
    k(key('q', 'KeyQ'));
    const p = (type, x, y) => board.handlers[type]({ pointerType: 'touch', pointerId: 1, clientX: x, clientY: y, preventDefault() {} });
    p('pointerdown', 100, 100);
    p('pointermove', 110, 102); // too short
    p('pointermove', 140, 104); // right
    p('pointermove', 142, 150); // then down, from where the last turn was
    p('pointerup', 142, 150);
    p('pointermove', 300, 150); // after the finger left: nothing
    assert.deepEqual(got, [Dir.DOWN, Dir.RIGHT, Dir.DOWN]);
    assert.equal(prevented, 2, 'arrow keys do not scroll the page');
    unbind();
    assert.deepEqual(Object.keys(win.handlers), []);
    assert.deepEqual(Object.keys(board.handlers), []);
  });
});
