package migrate

import (
	"strings"
	"testing"
	"testing/fstest"
)

func TestLoad(t *testing.T) {
	file := func(s string) *fstest.MapFile { return &fstest.MapFile{Data: []byte(s)} }
	tests := []struct {
		name    string
		fs      fstest.MapFS
		want    []int
		wantErr string
	}{
		{"ordered", fstest.MapFS{"m/0002_b.up.sql": file("B"), "m/0001_a.up.sql": file("A")}, []int{1, 2}, ""},
		{"gap", fstest.MapFS{"m/0001_a.up.sql": file("A"), "m/0003_c.up.sql": file("C")}, nil, "want 2"},
		{"duplicate", fstest.MapFS{"m/0001_a.up.sql": file("A"), "m/0001_b.up.sql": file("B")}, nil, "want 2"},
		{"misnamed", fstest.MapFS{"m/0001_a.up.sql": file("A"), "m/2_b.sql": file("B")}, nil, "NNNN_name.up.sql"},
		{"too big", fstest.MapFS{"m/0001_a.up.sql": file(strings.Repeat("x", MaxFileSize+1))}, nil, "at most"},
		{"empty", fstest.MapFS{"m/.keep": nil}, nil, "NNNN_name.up.sql"},
		{"missing dir", fstest.MapFS{}, nil, "read m"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Load(tt.fs, "m")
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			for i, m := range got {
				if m.Version != tt.want[i] {
					t.Errorf("got[%d].Version = %d, want %d", i, m.Version, tt.want[i])
				}
			}
		})
	}
}

func TestPending(t *testing.T) {
	all := []Migration{{Version: 1}, {Version: 2}}
	tests := []struct {
		current, want int
		wantErr       bool
	}{{0, 2, false}, {1, 1, false}, {2, 0, false}, {3, 0, true}, {-1, 0, true}}
	for _, tt := range tests {
		got, err := Pending(all, tt.current)
		if (err != nil) != tt.wantErr || len(got) != tt.want {
			t.Errorf("Pending(%d) = %d, %v; want %d, err=%v", tt.current, len(got), err, tt.want, tt.wantErr)
		}
	}
}
