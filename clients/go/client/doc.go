// Package client is the Go client SDK for tickroom servers: dial a server,
// join a room, send inputs and requests, and receive events and
// snapshots (Dial, Client); and the client of the server's HTTP API,
// which lists and creates rooms and reserves seats (NewAPI, API). The
// compiled examples (ExampleDial and the others) show both.
//
// A Client is used by one goroutine for reading (Next) and any number for
// sending. It reads only when Next is called, so a program that stops
// calling Next stops reading, which is how tests play a slow client;
// Request needs that reader, which hands it its reply.
package client
