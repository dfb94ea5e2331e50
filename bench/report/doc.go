// Package report holds a benchmark's results and shows them: the Result
// written as JSON with every figure, the service-level judgement of each
// step, a table for the terminal, a one-line progress display, and a plot of
// input-to-acknowledgement latency and server CPU per delivered snapshot
// against the number of bots.
package report
