// The page: the lobby until the player joins a room, then the game, then
// the lobby again. A link with #room=<id> joins that room directly.

import { ApiUnavailable, matchmake, wsURL } from './sdk/api.js';
import { PlaySession } from './game/play.js';
import { byId } from './ui/dom.js';
import { ChatPanel } from './ui/chat.js';
import { ColourPicker } from './ui/colour.js';
import { LobbyView } from './ui/lobby.js';
import { loadPlayerKey } from './ui/playerkey.js';
import { Scoreboard } from './ui/scoreboard.js';
import { Banner, Overlay, StatusBar } from './ui/status.js';

let session = null;
// The player key makes this browser the same player on every visit; ''
// (a guest) where it cannot be kept.
const key = loadPlayerKey();
// ?predict=0 turns the prediction of the own snake's turns off (to compare).
const predict = new URLSearchParams(location.search).get('predict') !== '0';

const gameView = byId('game');
const ui = {
  status: new StatusBar(),
  banner: new Banner(),
  overlay: new Overlay(),
  scoreboard: new Scoreboard(),
  chat: new ChatPanel((text) => session?.chat(text) ?? false),
  colours: new ColourPicker((hue) => session?.pickColour(hue)),
  roomLabel: byId('room-id'),
};

const lobby = new LobbyView(
  {
    onQuickPlay: (name) => play({ name, game: 'snake' }),
    onJoin: (name, room, spectator) => play({ name, room, spectator }),
    onCreate: (name) => create(name),
  },
  key,
);

function play(hello, note = '') {
  session?.dispose();
  lobby.hide();
  gameView.hidden = false;
  session = new PlaySession({ url: wsURL(location), hello: { ...hello, key }, ui, canvas: byId('board'), onExit: backToLobby, note, predict });
  session.start();
}

function backToLobby(message) {
  session?.dispose();
  session = null;
  ui.status.setState('idle');
  gameView.hidden = true;
  history.replaceState(null, '', location.pathname + location.search);
  lobby.show(message);
}

// Create room asks the matchmaking API for a seat in a new room. A server
// without the API still lets the player in, by quick play.
async function create(name) {
  lobby.setNote('Creating a room…');
  try {
    const r = await matchmake(location.origin, { mode: 'create', game: 'snake' });
    play({ name, room: r.room, reservation: r.reservation }, `Room ${r.room} is yours: share its link to play with friends.`);
  } catch (err) {
    if (err instanceof ApiUnavailable) {
      play({ name, game: 'snake' }, 'Creating rooms needs the matchmaking API, which this server does not have yet: you joined a public room instead.');
      return;
    }
    lobby.setNote(`Could not create a room: ${err.message}`);
  }
}

byId('leave').addEventListener('click', () => session?.leave());
byId('copy-link').addEventListener('click', async () => {
  const room = session?.client.room;
  if (!room) return;
  const link = `${location.origin}/#room=${encodeURIComponent(room)}`;
  try {
    await navigator.clipboard.writeText(link);
    ui.banner.show('Link copied: send it to a friend', 'ok', 2500);
  } catch {
    ui.chat.add({ kind: 'notice', text: `Share this link: ${link}` });
  }
});

// A read-only view for end-to-end tests and the curious: the latest decoded
// snapshot, the own player id, connection state and counters.
Object.defineProperty(window, '__tickroom', {
  get: () => session?.debugView() ?? null,
  configurable: false,
});

const linked = new URLSearchParams(location.hash.slice(1)).get('room');
if (linked) play({ name: lobby.name(), room: linked });
else lobby.show();
