module github.com/wsframe/wsframe/deflate

go 1.26.0

replace github.com/wsframe/wsframe => ..

require (
	github.com/klauspost/compress v1.20.4
	github.com/wsframe/wsframe v0.0.0-00010101000000-000000000000
)

require golang.org/x/sys v0.50.0 // indirect
