package main

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// The write timeout must outlast the longest synchronous wait, or execute is cut off unanswered.
func TestWriteTimeoutOutlastsExecuteWait(t *testing.T) {
	t.Parallel()
	for _, wait := range []time.Duration{time.Second, 60 * time.Second, 300 * time.Second, time.Hour} {
		require.Greater(t, writeTimeout(wait), wait+10*time.Second, "wait %s", wait)
	}
	require.Equal(t, 90*time.Second, writeTimeout(time.Second), "ordinary requests keep the 90 s budget")
}
