package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/wecom-connector/wecom/client"
	"github.com/wecom-connector/wecom/messages"
	"github.com/wecom-connector/wecom/wecomtest"
)

// newTestPoster returns a poster for a robot of the simulator srv, printing into out.
func newTestPoster(t *testing.T, srv *wecomtest.Server, limit messages.RobotLimit, out *bytes.Buffer) *poster {
	t.Helper()
	srv.AddRobot("test-robot-key")
	r, err := messages.NewRobot("test-robot-key", client.WithBaseURL(srv.URL()))
	if err != nil {
		t.Fatal(err)
	}
	return newPoster(r, limit, out)
}

// posted returns the markdown contents the robot posted.
func posted(t *testing.T, srv *wecomtest.Server) []string {
	t.Helper()
	var out []string
	for _, p := range srv.RobotPosts("test-robot-key") {
		var md struct{ Content string }
		if err := json.Unmarshal(p.Content, &md); err != nil {
			t.Fatal(err)
		}
		out = append(out, md.Content)
	}
	return out
}

// A summary over 4,096 bytes goes out in numbered posts under the heading, cut between lines,
// nothing lost.
func TestPosterSplitsLongMarkdown(t *testing.T) {
	srv := wecomtest.NewServer()
	defer srv.Close()
	p := newTestPoster(t, srv, messages.DefaultRobotLimit, &bytes.Buffer{})
	var lines []string
	for i := range 200 {
		lines = append(lines, fmt.Sprintf("> <font color=\"warning\">Behind plan</font>: Guangdong Garment Works %03d (1234 / 1530)", i))
	}
	const heading = "## Order PO-2291, hour 1 of 8"
	n, err := p.markdown(context.Background(), heading, strings.Join(lines, "\n"))
	if err != nil {
		t.Fatal(err)
	}
	posts := posted(t, srv)
	if n < 4 || n != len(posts) {
		t.Fatalf("markdown reported %d posts, the robot got %d; want the same, at least 4", n, len(posts))
	}
	var got []string
	for i, c := range posts {
		if len(c) > messages.MaxRobotMarkdownBytes {
			t.Errorf("post %d has %d bytes, over %d", i+1, len(c), messages.MaxRobotMarkdownBytes)
		}
		head, body, _ := strings.Cut(c, "\n")
		if want := fmt.Sprintf("%s (%d/%d)", heading, i+1, n); head != want {
			t.Errorf("post %d starts %q, want %q", i+1, head, want)
		}
		got = append(got, strings.Split(body, "\n")...)
	}
	if strings.Join(got, "\n") != strings.Join(lines, "\n") {
		t.Errorf("the posts' lines differ from the summary's:\n%s", strings.Join(got, "\n"))
	}

	// A short summary stays one post, without numbering.
	if n, err := p.markdown(context.Background(), heading, lines[0]); err != nil || n != 1 {
		t.Fatalf("short summary: %d posts, %v", n, err)
	}
	if last := posted(t, srv)[len(posts)]; last != heading+"\n"+lines[0] {
		t.Errorf("short summary posted as %q", last)
	}
}

// When the robot's limit is reached the poster says how long the next post waits, then posts.
func TestPosterWaitsWithProgress(t *testing.T) {
	srv := wecomtest.NewServer(wecomtest.WithRobotWindow(200 * time.Millisecond))
	defer srv.Close()
	var out bytes.Buffer
	p := newTestPoster(t, srv, messages.RobotLimit{Messages: 2, Window: 200 * time.Millisecond}, &out)
	began := time.Now()
	for i := range 5 {
		if err := p.send(context.Background(), fmt.Sprint("post ", i)); err != nil {
			t.Fatalf("post %d: %v", i, err)
		}
	}
	if took := time.Since(began); took < 400*time.Millisecond {
		t.Errorf("5 posts at 2 per 200ms took %s, want at least 400ms", took)
	}
	if n := len(posted(t, srv)); n != 5 {
		t.Errorf("the robot got %d posts, want 5", n)
	}
	waits := strings.Count(out.String(), "waiting for the robot's 2-per-200ms limit: next post in ")
	if waits < 2 {
		t.Errorf("%d progress lines, want one for each of the 2 waits at least:\n%s", waits, out.String())
	}
}
