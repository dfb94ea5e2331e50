// Package client is the Go client SDK for tickroom servers: dial a server,
// join a room, send inputs, and receive events and snapshots.
//
//	c, err := client.Dial(ctx, "ws://localhost:8080/ws", client.Options{
//		Hello: netcode.Hello{Name: "ada", Game: "snake"},
//	})
//	if err != nil { ... }
//	defer c.Close()
//	seq, err := c.SendInput(ctx, payload)
//	for {
//		m, err := c.Next(ctx) // events, snapshots and errors; pings are answered
//		...
//	}
//
// A Client is used by one goroutine for reading (Next) and any number for
// sending. It reads only when Next is called, so a program that stops
// calling Next stops reading, which is how tests play a slow client.
package client
