package zcert

import (
	"bytes"
	"fmt"
	"strings"
)

// This file reads ZPL, the ZeroMQ Property Language (rfc.zeromq.org/spec/4),
// as far as a certificate needs it: a tree of names, each with an optional
// value, nested by indentation of four spaces, with '#' comments.

// zplNode is one name of a ZPL tree with its value and children.
type zplNode struct {
	name     string
	value    string
	children []*zplNode
}

// child returns the first child called name, or nil.
func (n *zplNode) child(name string) *zplNode {
	for _, c := range n.children {
		if c.name == name {
			return c
		}
	}
	return nil
}

// maxDepth bounds the nesting of a ZPL file; a certificate needs two levels.
const maxDepth = 16

// parseZPL parses data into a tree whose root has no name. Errors wrap ErrInvalid
// and name the line.
func parseZPL(data []byte) (*zplNode, error) {
	root := &zplNode{}
	path := []*zplNode{root} // path[d] is the last node at depth d-1
	for i, raw := range bytes.Split(data, []byte("\n")) {
		lineNo := i + 1
		line := strings.TrimSuffix(string(raw), "\r")
		content := strings.TrimLeft(line, " ")
		if content == "" || content[0] == '#' {
			continue // blank lines and comments, at any indentation
		}
		bad := func(format string, args ...any) (*zplNode, error) {
			return nil, fmt.Errorf("%w: line %d: %s", ErrInvalid, lineNo, fmt.Sprintf(format, args...))
		}
		indent := len(line) - len(content)
		if indent%4 != 0 {
			return bad("indentation of %d spaces is not a multiple of 4", indent)
		}
		depth := indent / 4
		if depth >= len(path) || depth >= maxDepth {
			return bad("indented deeper than its parent")
		}
		node, err := parseZPLLine(content)
		if err != nil {
			return bad("%v", err)
		}
		parent := path[depth]
		parent.children = append(parent.children, node)
		path = append(path[:depth+1], node)
	}
	return root, nil
}

// isNameByte reports whether b may appear in a ZPL name: "alphanumeric and
// $-_@.&+/", says the spec.
func isNameByte(b byte) bool {
	return 'a' <= b && b <= 'z' || 'A' <= b && b <= 'Z' || '0' <= b && b <= '9' ||
		strings.IndexByte("$-_@.&+/", b) >= 0
}

// parseZPLLine parses one line without its indentation: "name", "name = value",
// `name = "quoted value"`, each optionally followed by a comment.
func parseZPLLine(s string) (*zplNode, error) {
	n := 0
	for n < len(s) && isNameByte(s[n]) {
		n++
	}
	if n == 0 {
		return nil, fmt.Errorf("%q does not start with a name", s)
	}
	node := &zplNode{name: s[:n]}
	rest := strings.TrimLeft(s[n:], " \t")
	if rest == "" || rest[0] == '#' {
		return node, nil
	}
	if rest[0] != '=' {
		return nil, fmt.Errorf("after the name %q: want '=' or the end of the line", node.name)
	}
	rest = strings.TrimLeft(rest[1:], " \t")
	if rest != "" && (rest[0] == '"' || rest[0] == '\'') {
		end := strings.IndexByte(rest[1:], rest[0])
		if end < 0 {
			return nil, fmt.Errorf("the value of %q has no closing %c", node.name, rest[0])
		}
		node.value = rest[1 : 1+end]
		rest = strings.TrimLeft(rest[2+end:], " \t")
	} else {
		// An unquoted value ends at white space or a comment.
		end := strings.IndexAny(rest, " \t#")
		if end < 0 {
			end = len(rest)
		}
		node.value = rest[:end]
		rest = strings.TrimLeft(rest[end:], " \t")
	}
	if rest != "" && rest[0] != '#' {
		return nil, fmt.Errorf("after the value of %q: %q", node.name, rest)
	}
	return node, nil
}
