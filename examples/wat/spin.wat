;; A program that never ends: `kiln run examples/wat/spin.wat --timeout 1s` stops it.
(module
  (func (export "_start")
    (loop $forever (br $forever))))
