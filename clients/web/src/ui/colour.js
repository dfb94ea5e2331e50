// The colour picker: a swatch for each hue on offer, beside the board.
// Picking one is only a wish: the page asks the room (PlaySession), and
// marks the swatch once the room said yes, or shows why it said no.

import { HUES, hueColor } from '../game/colors.js';
import { byId, h, setText } from './dom.js';

export class ColourPicker {
  /** @param {(hue: number) => void} onPick */
  constructor(onPick) {
    this.root = byId('colour-picker');
    this.note = byId('colour-note');
    this.enabled = true;
    this.busy = false;
    this.swatches = HUES.map((hue) => {
      const b = h('button', {
        type: 'button',
        class: 'hue',
        title: `Hue ${hue}°`,
        'aria-label': `Hue ${hue}°`,
        'aria-pressed': 'false',
        dataset: { hue: String(hue) },
        onclick: () => onPick(hue),
      });
      b.style.background = hueColor(hue);
      return b;
    });
    this.root.replaceChildren(...this.swatches);
  }

  /** Marks the own hue; undefined (or a hue not on offer) marks none. */
  setSelected(hue) {
    for (const b of this.swatches) b.setAttribute('aria-pressed', String(Number(b.dataset.hue) === hue));
  }

  /** Offers the swatches or not; why says why not (a spectator has no snake). */
  setEnabled(on, why = '') {
    this.enabled = on;
    this.root.title = on ? '' : why;
    this.#update();
  }

  /** While a pick waits for the room's answer, no other can be made. */
  setBusy(busy) {
    this.busy = busy;
    this.root.setAttribute('aria-busy', String(busy));
    this.#update();
  }

  /** Shows why the last pick was refused; '' hides it. */
  setError(text) {
    this.note.hidden = !text;
    setText(this.note, text);
  }

  #update() {
    for (const b of this.swatches) b.disabled = !this.enabled || this.busy;
  }
}
