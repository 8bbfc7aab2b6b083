;; A WASI command that prints a greeting: `kiln run examples/wat/hello.wat`.
(module
  ;; fd_write(fd, iovs, iovs_len, nwritten) from WASI preview 1 is the only import.
  (import "wasi_snapshot_preview1" "fd_write"
    (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 1)
  ;; The text lives at offset 16; the single iovec at offset 0 points at it.
  (data (i32.const 16) "Hello from a Kiln sandbox!\n")
  (func (export "_start")
    (i32.store (i32.const 0) (i32.const 16))   ;; iov.buf
    (i32.store (i32.const 4) (i32.const 27))   ;; iov.len
    (drop (call $fd_write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8)))))
