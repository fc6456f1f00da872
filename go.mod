module github.com/fieldcrm/fieldcrm

go 1.26

require go.etcd.io/bbolt v1.4.3

require (
	github.com/stretchr/testify v1.11.1 // indirect
	golang.org/x/sync v0.21.0 // indirect
	golang.org/x/sys v0.46.0 // indirect
)
