package proxy

import "sync"

// copyBufferSize is the size of the buffers response bodies are copied
// through: the 32 KiB httputil.ReverseProxy allocates for every response
// when it has no BufferPool.
const copyBufferSize = 32 << 10

// bufferPool is the ReverseProxy's httputil.BufferPool. Without it every
// forwarded response allocated and zeroed a fresh 32 KiB buffer, more
// than half of the proxy's allocation per sign-in page (about 1.7 KiB)
// and a steady load on the garbage collector.
//
// A buffer goes back to the pool holding the last response copied
// through it. That does not leak between requests: ReverseProxy only
// ever writes the bytes a Read has just put into the buffer.
type bufferPool struct{ pool sync.Pool }

func newBufferPool() *bufferPool {
	return &bufferPool{pool: sync.Pool{New: func() any { return new([copyBufferSize]byte) }}}
}

// Get returns a copyBufferSize buffer.
func (b *bufferPool) Get() []byte { return b.pool.Get().(*[copyBufferSize]byte)[:] }

// Put returns a buffer from Get; any other slice is dropped. The pool
// holds array pointers, so Put does not allocate.
func (b *bufferPool) Put(buf []byte) {
	if cap(buf) < copyBufferSize {
		return
	}
	b.pool.Put((*[copyBufferSize]byte)(buf[:copyBufferSize]))
}
