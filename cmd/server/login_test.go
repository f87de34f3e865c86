package main_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"sync"
	"testing"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/podiumhq/podium/store/storetest"
)

// TestLoginFloodKeepsMemoryLow sends 100 bad logins at once, from 100 addresses (so that none
// is throttled), and checks the server's peak memory: each argon2id verification takes 19 MiB,
// and only PODIUM_LOGIN_CONCURRENCY (2) of them run at once.
func TestLoginFloodKeepsMemoryLow(t *testing.T) {
	if _, err := os.Stat("/proc/self/status"); err != nil {
		t.Skip("needs /proc")
	}
	t.Parallel()
	name := storetest.NewDatabaseName()
	t.Cleanup(func() { storetest.Drop(t, name) })
	const adminID, adminSecret = "flood-admin", "flood-admin-secret-0123456789"
	p := start(t, storetest.URLFor(t, name), "PODIUM_AUTH=on", "PODIUM_ADMIN_KEY_ID="+adminID,
		"PODIUM_ADMIN_KEY_SECRET="+adminSecret, "PODIUM_TRUSTED_PROXIES=127.0.0.1")
	pid := p.cmd.Process.Pid
	before := procStatusBytes(t, pid, "VmHWM")

	const n = 100
	statuses := make([]int, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			body := fmt.Sprintf(`{"keyId":%q,"keySecret":"wrong-%d"}`, uuid.NewString(), i)
			req, err := http.NewRequestWithContext(context.Background(), http.MethodPost, "http://"+p.addr+"/api/token",
				strings.NewReader(body))
			if err != nil {
				return
			}
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("X-Forwarded-For", fmt.Sprintf("10.7.%d.%d", i/250, i%250+1))
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				return
			}
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			statuses[i] = resp.StatusCode
		})
	}
	wg.Wait()
	after := procStatusBytes(t, pid, "VmHWM")
	counts := map[int]int{}
	for _, s := range statuses {
		counts[s]++
	}
	t.Logf("peak RSS (VmHWM): %.1f MiB after start, %.1f MiB after %d concurrent bad logins; statuses %v",
		float64(before)/(1<<20), float64(after)/(1<<20), n, counts)
	require.Equal(t, n, counts[http.StatusUnauthorized]+counts[http.StatusTooManyRequests], "only 401 and 429: %v", counts)
	require.Positive(t, counts[http.StatusUnauthorized])
	require.Less(t, after, int64(192<<20), "2 hashes of 19 MiB at once plus the server and GC headroom (unbounded: 1.8 GB)")

	// The admin still logs in.
	status, body := p.call(t, http.MethodPost, "/api/token", fmt.Sprintf(`{"keyId":%q,"keySecret":%q}`, adminID, adminSecret))
	require.Equal(t, http.StatusOK, status, body)
}
