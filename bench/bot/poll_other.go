//go:build !linux

package bot

import (
	"context"
	"errors"
)

// pollAvailable: the poll transport needs Linux's epoll.
const pollAvailable = false

var errNoPoll = errors.New("bot: the poll transport needs Linux (epoll); use the client transport")

type pollLoop struct{}

func newPollLoop() (*pollLoop, error)                          { return nil, errNoPoll }
func (l *pollLoop) run()                                       {}
func (l *pollLoop) stop()                                      {}
func (l *pollLoop) joinPoll(ctx context.Context, b *Bot) error { return errNoPoll }
