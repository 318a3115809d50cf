// jspeer.js: one zeromq.js socket driven over stdin and stdout, the draft-API reference peer of
// zeroplug's tests (zeromq.js 6.8: a prebuilt libzmq 4.3.5 with the draft API). The Go side is
// internal/peertest's JSPeer; node finds zeromq through NODE_PATH, which JSPeer sets to the
// node_modules directory that scripts/install-deps.sh fills.
//
// Usage:
//
//	node jspeer.js TYPE [-o NAME=VALUE]... (-b ENDPOINT | -c ENDPOINT)... [-j GROUP]...
//
// TYPE is a libzmq socket type: PAIR PUB SUB REQ REP DEALER ROUTER PULL PUSH XPUB XSUB and the
// draft SERVER CLIENT RADIO DISH GATHER SCATTER DGRAM PEER CHANNEL (zeromq.js has no class
// for the last two: libzmqType opens them by libzmq's number, and since zeromq.js reads and
// sets routing ids for SERVER only, a PEER here receives, without the id, and cannot send:
// libzmq's PEER needs an id on every message). -o sets a zeromq.js option by its
// zeromq.js name (linger, routingId, sendHighWaterMark, ...) before any bind or connect; VALUE
// is a number when it reads as one, true or false, else a string. -b binds and -c connects, in
// the order given (tcp, ipc, udp, inproc: whatever the socket type allows). -j joins a DISH to
// a group. Once every endpoint is bound or connected the peer prints
//
//	ready [ENDPOINT]
//
// with the socket's ZMQ_LAST_ENDPOINT when it has one: the last endpoint bound, resolved (the
// port chosen for tcp://127.0.0.1:*). libzmq 4.3.5 sets it for a udp connect too, and writes
// a udp endpoint without its scheme ("127.0.0.1:5555"); it is passed on as libzmq gives it.
//
// Then it reads commands, one a line, and answers each with exactly one line: "ok", "msg ..." or
// "timeout" as below, or "error MESSAGE" when the command fails (the socket stays open). Frames
// and groups are hex, so any byte may pass; a message is its frames' hex joined by "|", and an
// empty field is an empty frame (so a message of one empty frame is the empty string).
//
//	send [group=HEX] [routing-id=N] FRAMES   send one message; group= for RADIO, routing-id=
//	                                         (a decimal uint32) for SERVER. A DGRAM message is
//	                                         two frames, address ("127.0.0.1:5555", as hex)
//	                                         and body.                       -> ok
//	recv MILLISECONDS                        wait that long for one message
//	                                         -> msg [group=HEX] [routing-id=N] FRAMES | timeout
//	join HEX / leave HEX                     DISH group membership            -> ok
//	subscribe HEX / unsubscribe HEX          SUB prefixes (empty HEX: all)    -> ok
//	set NAME VALUE                           set an option now, as -o does    -> ok
//	bind ENDPOINT / connect ENDPOINT         one more endpoint        -> ok [ENDPOINT]
//	disconnect ENDPOINT / unbind ENDPOINT                                     -> ok
//
// On stdin EOF it closes the socket (waiting as its linger option says, libzmq's default) and
// exits with status 0. A bad command line is reported on stderr with exit status 2.
"use strict";

// zeromq/draft warns on stderr that the draft API is experimental, in every run; the
// tests quote a peer's stderr when they fail, and this line would open every quote.
const emitWarning = process.emitWarning;
process.emitWarning = (warning, ...rest) => {
  if (!String(warning).startsWith("ZeroMQ draft features are experimental")) emitWarning.call(process, warning, ...rest);
};

const zmq = require("zeromq");
const draft = require("zeromq/draft");

// libzmqType is a "class" for a libzmq socket type that zeromq.js has none for: its
// generic Socket made with libzmq's number, with Pair's prototype, which carries the
// options (receiveTimeout, linger, ...) that the generic Socket lacks.
function libzmqType(number) {
  return function (options) {
    return Reflect.construct(zmq.Socket, [number, options], zmq.Pair);
  };
}

const classes = {
  PAIR: zmq.Pair,
  PUB: zmq.Publisher,
  SUB: zmq.Subscriber,
  REQ: zmq.Request,
  REP: zmq.Reply,
  DEALER: zmq.Dealer,
  ROUTER: zmq.Router,
  PULL: zmq.Pull,
  PUSH: zmq.Push,
  XPUB: zmq.XPublisher,
  XSUB: zmq.XSubscriber,
  SERVER: draft.Server,
  CLIENT: draft.Client,
  RADIO: draft.Radio,
  DISH: draft.Dish,
  GATHER: draft.Gather,
  SCATTER: draft.Scatter,
  DGRAM: draft.Datagram,
  PEER: libzmqType(19), // ZMQ_PEER
  CHANNEL: libzmqType(20), // ZMQ_CHANNEL
};

function usage(why) {
  process.stderr.write(
    `jspeer: ${why}\nusage: node jspeer.js TYPE [-o NAME=VALUE]... (-b ENDPOINT | -c ENDPOINT)... [-j GROUP]...\n` +
      `types: ${Object.keys(classes).join(" ")}\n`,
  );
  process.exit(2);
}

// optionValue reads an option's value: a number, a boolean, or the string as it is.
function optionValue(text) {
  if (text === "true") return true;
  if (text === "false") return false;
  if (text !== "" && !Number.isNaN(Number(text))) return Number(text);
  return text;
}

function setOption(sock, name, text) {
  if (!(name in sock)) throw new Error(`no option ${name} on ${sock.constructor.name}`);
  sock[name] = optionValue(text);
}

function hexToBuffer(hex) {
  if (!/^([0-9a-fA-F]{2})*$/.test(hex)) throw new Error(`not hex: ${JSON.stringify(hex)}`);
  return Buffer.from(hex, "hex");
}

function decodeFrames(text) {
  return text.split("|").map(hexToBuffer);
}

function encodeFrames(frames) {
  return frames.map((f) => Buffer.from(f).toString("hex")).join("|");
}

// uint32 parses a SERVER routing id: libzmq's are uint32, and 0 is none.
function uint32(text) {
  if (!/^[0-9]+$/.test(text) || Number(text) > 0xffffffff) throw new Error(`not a uint32: ${text}`);
  return Number(text);
}

async function openSocket(argv) {
  const type = argv[0];
  const Class = classes[type];
  if (!Class) usage(`unknown socket type ${JSON.stringify(type)}`);
  const sock = new Class();
  const groups = [];
  for (let i = 1; i < argv.length; i += 2) {
    const flag = argv[i];
    const arg = argv[i + 1];
    if (arg === undefined) usage(`${flag} needs an argument`);
    try {
      switch (flag) {
        case "-o": {
          const eq = arg.indexOf("=");
          if (eq <= 0) usage(`-o ${arg}: want NAME=VALUE`);
          setOption(sock, arg.slice(0, eq), arg.slice(eq + 1));
          break;
        }
        case "-b":
          await sock.bind(arg);
          break;
        case "-c":
          sock.connect(arg);
          break;
        case "-j":
          groups.push(arg);
          break;
        default:
          usage(`unknown flag ${flag}`);
      }
    } catch (err) {
      process.stderr.write(`jspeer: ${type} ${flag} ${arg}: ${err.message}\n`);
      process.exit(2);
    }
  }
  if (groups.length > 0) {
    if (type !== "DISH") usage("-j is for DISH");
    sock.join(...groups);
  }
  return sock;
}

// receive waits up to ms for one message and describes it as a reply line.
async function receive(sock, ms) {
  sock.receiveTimeout = ms;
  let result;
  try {
    result = await sock.receive();
  } catch (err) {
    if (err.code === "EAGAIN") return "timeout";
    throw err;
  }
  // Readable<[Message, {group}|{routingId}]> for DISH and SERVER; the frames otherwise.
  const last = result[result.length - 1];
  if (result.length === 2 && last && !Buffer.isBuffer(last) && typeof last === "object") {
    const meta = last.group !== undefined ? `group=${Buffer.from(last.group).toString("hex")} ` : `routing-id=${last.routingId} `;
    return `msg ${meta}${encodeFrames([result[0]])}`;
  }
  return `msg ${encodeFrames(result)}`;
}

async function send(sock, args) {
  if (typeof sock.send !== "function") throw new Error(`${sock.constructor.name} has no send`);
  const options = {};
  let frames = null;
  for (const arg of args) {
    if (arg.startsWith("group=")) options.group = hexToBuffer(arg.slice(6));
    else if (arg.startsWith("routing-id=")) options.routingId = uint32(arg.slice(11));
    else if (frames === null) frames = decodeFrames(arg);
    else throw new Error(`unexpected ${JSON.stringify(arg)}`);
  }
  if (frames === null) frames = [Buffer.alloc(0)];
  // Draft sockets send single-part messages (a DGRAM's address and body are its two frames).
  const message = frames.length === 1 ? frames[0] : frames;
  if (Object.keys(options).length > 0) await sock.send(message, options);
  else await sock.send(message);
  return "ok";
}

// call calls sock's method name, or fails saying that this socket type has none (zeromq.js
// defines join only on Dish, subscribe only on Subscriber, and so on).
function call(sock, name, ...args) {
  if (typeof sock[name] !== "function") throw new Error(`${sock.constructor.name} has no ${name}`);
  return sock[name](...args);
}

async function command(sock, line) {
  const words = line.split(" ");
  const name = words[0];
  const args = words.slice(1);
  const one = () => {
    if (args.length !== 1) throw new Error(`${name} takes one argument`);
    return args[0];
  };
  switch (name) {
    case "send":
      return send(sock, args);
    case "recv": {
      if (typeof sock.receive !== "function") throw new Error(`${sock.constructor.name} has no receive`);
      const ms = Number(one());
      if (!Number.isInteger(ms) || ms < 0) throw new Error(`recv ${args[0]}: want milliseconds`);
      return receive(sock, ms);
    }
    case "join":
      call(sock, "join", hexToBuffer(one()));
      return "ok";
    case "leave":
      call(sock, "leave", hexToBuffer(one()));
      return "ok";
    case "subscribe":
      call(sock, "subscribe", hexToBuffer(args[0] || ""));
      return "ok";
    case "unsubscribe":
      call(sock, "unsubscribe", hexToBuffer(args[0] || ""));
      return "ok";
    case "set":
      if (args.length !== 2) throw new Error("set takes NAME VALUE");
      setOption(sock, args[0], args[1]);
      return "ok";
    case "bind":
      await sock.bind(one());
      return `ok ${sock.lastEndpoint || ""}`.trimEnd();
    case "connect":
      sock.connect(one());
      return "ok";
    case "unbind":
      await sock.unbind(one());
      return "ok";
    case "disconnect":
      sock.disconnect(one());
      return "ok";
    default:
      throw new Error(`unknown command ${JSON.stringify(name)}`);
  }
}

async function main() {
  if (process.argv.length < 3) usage("no socket type");
  const sock = await openSocket(process.argv.slice(2));
  process.stdout.write(`ready ${sock.lastEndpoint || ""}`.trimEnd() + "\n");

  // Commands run one after another, in the order they arrive.
  const readline = require("readline");
  const lines = readline.createInterface({ input: process.stdin, crlfDelay: Infinity });
  for await (const line of lines) {
    let reply;
    try {
      reply = await command(sock, line);
    } catch (err) {
      reply = `error ${String(err.message).replace(/\n/g, " ")}`;
    }
    process.stdout.write(reply + "\n");
  }
  sock.close();
}

main().catch((err) => {
  process.stderr.write(`jspeer: ${err.stack || err}\n`);
  process.exit(1);
});
