package lobby_test

import "github.com/vmihailenco/msgpack/v5"

func msgpackUnmarshal(b []byte, v any) error { return msgpack.Unmarshal(b, v) }
