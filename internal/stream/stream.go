// Package stream holds the SDK's helpers for streamed uploads: the length of a body when it can
// be known without reading it, and a cap on one that cannot.
package stream

import (
	"io"
	"os"
)

// Length returns the remaining length of in-memory readers (anything with Len) and regular
// files; -1 when it cannot be known without reading.
func Length(r io.Reader) int64 {
	switch v := r.(type) {
	case interface{ Len() int }:
		return int64(v.Len())
	case *os.File:
		st, err := v.Stat()
		if err != nil || !st.Mode().IsRegular() {
			return -1
		}
		pos, err := v.Seek(0, io.SeekCurrent)
		if err != nil {
			return -1
		}
		return st.Size() - pos
	}
	return -1
}

// Cap returns r failing with err once more than max bytes were read from it, so an upload of
// unknown length is abandoned as soon as it passes its limit.
func Cap(r io.Reader, max int64, err error) io.Reader {
	return &capped{r: r, max: max, err: err}
}

type capped struct {
	r    io.Reader
	max  int64
	read int64
	err  error
}

func (c *capped) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.read += int64(n)
	if c.read > c.max {
		return n, c.err
	}
	return n, err
}
