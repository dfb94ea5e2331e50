package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/spf13/pflag"

	"github.com/tickroom/tickroom/cluster"
	"github.com/tickroom/tickroom/lobby"
)

// clusterConfig is how tickroom serve joins a cluster through NATS.
type clusterConfig struct {
	natsURL     string
	credsFile   string
	tlsCA       string
	tlsCert     string
	tlsKey      string
	publicURL   string
	nodeID      string
	ttl         time.Duration
	connectWait time.Duration
}

func (c *clusterConfig) flags(f *pflag.FlagSet) {
	f.StringVar(&c.natsURL, "nats", "", "NATS server URL(s), comma-separated: share rooms with the other servers on it through JetStream (empty: one process, nothing external)")
	f.StringVar(&c.credsFile, "nats-creds", "", "NATS credentials file (user JWT and nkey seed)")
	f.StringVar(&c.tlsCA, "nats-tls-ca", "", "PEM file of the CAs that sign the NATS server's certificate")
	f.StringVar(&c.tlsCert, "nats-tls-cert", "", "PEM client certificate for NATS (with --nats-tls-key)")
	f.StringVar(&c.tlsKey, "nats-tls-key", "", "PEM key of --nats-tls-cert")
	f.StringVar(&c.publicURL, "public-url", "", "with --nats: the WebSocket URL clients dial for this server, e.g. ws://host:8080/ws (required)")
	f.StringVar(&c.nodeID, "node-id", "", "with --nats: this server's name in the cluster (default: generated)")
	f.DurationVar(&c.ttl, "nats-ttl", cluster.DefaultTTL, "with --nats: how soon a server that stopped without a word leaves every listing")
	f.DurationVar(&c.connectWait, "nats-connect-timeout", 15*time.Second, "with --nats: how long start-up waits for NATS and its JetStream before it fails")
}

// node is this server's membership of a cluster.
type node struct {
	nc  *nats.Conn
	dir *cluster.Directory
	log *slog.Logger

	stop context.CancelFunc
	wg   sync.WaitGroup
}

// joinCluster connects to NATS and opens the shared directory. NATS
// unreachable at start is an error (the operator asked for a cluster);
// once running, the NATS client reconnects without end and the node keeps
// its rooms meanwhile.
func (c clusterConfig) joinCluster(ctx context.Context, log *slog.Logger) (*node, error) {
	if c.publicURL == "" {
		return nil, errors.New("--nats needs --public-url, the ws:// URL clients dial for this server")
	}
	if c.nodeID == "" {
		var b [4]byte
		rand.Read(b[:])
		c.nodeID = "node-" + hex.EncodeToString(b[:])
	}
	opts := []nats.Option{
		nats.Name("tickroom " + c.nodeID),
		nats.MaxReconnects(-1),
		nats.Timeout(c.connectWait),
		nats.DisconnectErrHandler(func(_ *nats.Conn, err error) {
			log.Warn("NATS connection lost; the rooms here go on, the cluster does not see them", "err", err)
		}),
		nats.ReconnectHandler(func(nc *nats.Conn) {
			log.Info("NATS connection back", "server", nc.ConnectedUrlRedacted())
		}),
	}
	if c.credsFile != "" {
		opts = append(opts, nats.UserCredentials(c.credsFile))
	}
	if c.tlsCA != "" {
		opts = append(opts, nats.RootCAs(c.tlsCA))
	}
	if c.tlsCert != "" || c.tlsKey != "" {
		opts = append(opts, nats.ClientCert(c.tlsCert, c.tlsKey))
	}
	nc, err := nats.Connect(c.natsURL, opts...)
	if err != nil {
		return nil, fmt.Errorf("--nats %s: %w", c.natsURL, err)
	}
	js, err := jetstream.New(nc)
	if err != nil {
		nc.Close()
		return nil, fmt.Errorf("--nats: jetstream: %w", err)
	}
	octx, cancel := context.WithTimeout(ctx, c.connectWait)
	defer cancel()
	dir, err := cluster.Open(octx, js, cluster.Config{NodeID: c.nodeID, PublicURL: c.publicURL, TTL: c.ttl, Log: log})
	if err != nil {
		nc.Close()
		return nil, fmt.Errorf("--nats: %w", err)
	}
	log.Info("joined the cluster", "node_id", c.nodeID, "public_url", c.publicURL, "nats", nc.ConnectedUrlRedacted(), "ttl", c.ttl)
	return &node{nc: nc, dir: dir, log: log}, nil
}

// serve answers the other nodes' seat requests for srv's rooms and keeps
// the node's entry in the directory current with srv's load, once a
// second, until leave.
func (n *node) serve(srv *lobby.Server) error {
	stopSeats, err := n.dir.ServeSeats(n.nc, srv)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithCancel(context.Background())
	n.stop = func() {
		cancel()
		stopSeats()
	}
	n.wg.Add(1)
	go func() {
		defer n.wg.Done()
		t := time.NewTicker(time.Second)
		defer t.Stop()
		for {
			rooms, players := 0, 0
			for _, r := range srv.Rooms() {
				rooms++
				players += r.Stats().Players
			}
			n.dir.SetLoad(rooms, players, srv.Connections(), srv.Draining())
			select {
			case <-ctx.Done():
				return
			case <-t.C:
			}
		}
	}()
	return nil
}

// ready is the node's part of /readyz: a node that cannot reach NATS
// still serves its rooms, but takes no work through the cluster.
func (n *node) ready() error {
	if !n.nc.IsConnected() {
		return errors.New("NATS not connected")
	}
	if err := n.dir.Err(); err != nil {
		return fmt.Errorf("cluster directory: %w", err)
	}
	return nil
}

// leave takes the node's entries out of the directory and closes NATS.
func (n *node) leave(ctx context.Context) {
	if n.stop != nil {
		n.stop()
		n.wg.Wait()
	}
	if err := n.dir.Close(ctx); err != nil {
		n.log.Warn("leaving the cluster: entries left to expire", "err", err)
	}
	n.nc.Close()
}
