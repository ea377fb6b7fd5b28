module github.com/wsframe/wsframe/cmd/wsbench

go 1.26.0

replace (
	github.com/wsframe/wsframe => ../..
	github.com/wsframe/wsframe/deflate => ../../deflate
)

require (
	github.com/wsframe/wsframe v0.0.0-00010101000000-000000000000
	github.com/wsframe/wsframe/deflate v0.0.0-00010101000000-000000000000
	golang.org/x/sys v0.50.0
)

require github.com/klauspost/compress v1.20.4 // indirect
