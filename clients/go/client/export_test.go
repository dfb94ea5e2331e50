package client

// Waiting is how many Requests wait for their replies.
func (c *Client) Waiting() int {
	c.reqMu.Lock()
	defer c.reqMu.Unlock()
	return len(c.waiting)
}
