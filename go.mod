module github.com/featherd/featherd

go 1.26
