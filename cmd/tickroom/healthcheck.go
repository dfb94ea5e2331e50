package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"
)

// defaultHealthcheckURL is where tickroom healthcheck looks without --url
// or $TICKROOM_ADDR: the default --addr of tickroom serve, on loopback.
const defaultHealthcheckURL = "http://127.0.0.1:8080"

func newHealthcheckCmd() *cobra.Command {
	var (
		base    string
		ready   bool
		timeout time.Duration
	)
	cmd := &cobra.Command{
		Use:   "healthcheck",
		Short: "Exit 0 if a server's /healthz (or /readyz) answers 200: a container health check without curl",
		Long: "healthcheck asks a running tickroom serve for GET /healthz, or /readyz with --ready, and exits 0\n" +
			"when it answers 200; otherwise it prints one line on standard error and exits 1. Without --url\n" +
			"it asks the port of $TICKROOM_ADDR, the address tickroom serve reads from the same environment,\n" +
			"on loopback, or " + defaultHealthcheckURL + ".",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if !cmd.Flags().Changed("url") {
				base = healthcheckURL(os.Getenv(envName("addr")))
			}
			return healthcheck(cmd.Context(), base, ready, timeout)
		},
	}
	f := cmd.Flags()
	f.StringVar(&base, "url", defaultHealthcheckURL, "the server's HTTP address; without it, the port of $"+envName("addr")+" on loopback if set")
	f.BoolVar(&ready, "ready", false, "ask /readyz, which fails while the server drains, instead of /healthz")
	f.DurationVar(&timeout, "timeout", 3*time.Second, "give up on an answer after this long")
	documentEnv(f)
	return cmd
}

// healthcheckURL is the URL of the server that listens on addr (a --addr
// of tickroom serve, ":8080" or "0.0.0.0:9000"), reached on loopback when
// it listens on every address; defaultHealthcheckURL for an empty or
// unreadable addr.
func healthcheckURL(addr string) string {
	host, port, err := net.SplitHostPort(addr)
	if err != nil || port == "" {
		return defaultHealthcheckURL
	}
	if ip := net.ParseIP(host); host == "" || ip != nil && ip.IsUnspecified() {
		host = "127.0.0.1"
	}
	return "http://" + net.JoinHostPort(host, port)
}

// healthcheck fails unless GET base/healthz (base/readyz when ready)
// answers 200 within timeout. Its error is one line.
func healthcheck(ctx context.Context, base string, ready bool, timeout time.Duration) error {
	u, err := url.Parse(base)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("--url %q: want http://host:port", base)
	}
	if timeout <= 0 {
		return fmt.Errorf("--timeout %v: must be positive", timeout)
	}
	path := "/healthz"
	if ready {
		path = "/readyz"
	}
	u.Path = strings.TrimRight(u.Path, "/") + path
	target := u.String()
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, target, nil)
	if err != nil {
		return err
	}
	// A health check is one request: no proxy, no connection kept.
	hc := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}
	resp, err := hc.Do(req)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err // the URL comes first already
		}
		if errors.Is(err, context.DeadlineExceeded) {
			err = fmt.Errorf("no answer within %v", timeout)
		}
		return fmt.Errorf("healthcheck GET %s: %v", target, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		body, _ := io.ReadAll(io.LimitReader(resp.Body, 200))
		msg := fmt.Sprintf("healthcheck GET %s: %s", target, resp.Status)
		if b := strings.Join(strings.Fields(string(body)), " "); b != "" {
			msg += ": " + b
		}
		return errors.New(msg)
	}
	return nil
}
