package proxy

import "testing"

func TestBufferPool_AlwaysLendsFullBuffers(t *testing.T) {
	p := newBufferPool()
	tests := []struct {
		name string
		buf  []byte
	}{
		{"own buffer", p.Get()},
		{"own buffer resliced", p.Get()[:10]},
		{"foreign short slice is dropped", make([]byte, 100)},
		{"nil is dropped", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p.Put(tt.buf)
			if b := p.Get(); len(b) != copyBufferSize {
				t.Fatalf("Get returned %d bytes, want %d", len(b), copyBufferSize)
			}
		})
	}
}
