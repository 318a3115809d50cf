module github.com/zeroplug/zeroplug

go 1.26.8
