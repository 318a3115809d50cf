// Package core is zeroplug's messaging engine: sockets of every ZeroMQ type,
// the patterns that route their messages, the pipes and queues between a
// socket and its peers, the ZMTP engine that runs over each connection, the
// inproc transport, and the registry of transport drivers.
//
// A message takes this path:
//
//	Socket.Send -> pattern (chooses pipes) -> pipe (bounded queue, SNDHWM)
//	  -> engine (ZMTP framing, batched writes) -> driver connection -> kernel
//
// and the reverse on receipt, fair-queued across pipes. inproc skips the
// engine: both sockets share the queue and messages move by reference.
//
// A first program:
//
//	pull, _ := core.NewSocket(core.PULL)
//	defer pull.Close()
//	pull.Bind("tcp://127.0.0.1:5555")
//	push, _ := core.NewSocket(core.PUSH)
//	defer push.Close()
//	push.Connect("tcp://127.0.0.1:5555")
//	push.Send([]byte("hello"))
//	frames, _ := pull.Recv()
//
// Sockets are safe for concurrent use; a Send or Recv is atomic for a whole
// (multipart) message. Send copies the frames, so a buffer may be reused
// as soon as it returns; SendNoCopy hands them over without a copy. Close
// returns at once and lingers in the background for what is still queued
// (LINGER); Context.Close waits for that, as libzmq's zmq_ctx_term does.
package core
