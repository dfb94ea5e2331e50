package lobby

// Log attribute keys, shared so that logs can be searched by them.
const (
	LogRoom   = "room"
	LogGame   = "game"
	LogPlayer = "player"
	LogRemote = "remote"
	LogCode   = "close_code"
	LogReason = "close_reason"
)
