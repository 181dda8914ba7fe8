package boundedfile

import (
	"fmt"
	"io"
	"os"
)

// Read returns the content of the regular file at path, refusing files
// that are not regular (devices, FIFOs, directories) and files larger than
// limit bytes; at most limit+1 bytes are ever read. Errors name the file:
// "<path> is not a regular file", "<path> is larger than <limit> bytes",
// or the *os.PathError of opening it.
func Read(path string, limit int64) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err // *PathError already names the file
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if !st.Mode().IsRegular() {
		return nil, fmt.Errorf("%s is not a regular file", path)
	}
	data, err := io.ReadAll(io.LimitReader(f, limit+1))
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", path, err)
	}
	if int64(len(data)) > limit {
		return nil, fmt.Errorf("%s is larger than %d bytes", path, limit)
	}
	return data, nil
}
