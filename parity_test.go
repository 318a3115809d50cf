package zeroplug_test

import (
	"bytes"
	"fmt"
	"go/ast"
	"go/parser"
	"go/printer"
	"go/token"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// The packages whose user-facing identifiers the root package re-exports,
// and the root's name for each: core's names are kept as they are; the
// security packages' names take a prefix, since the root holds them side by
// side with core's ("ErrKey" of curve is ErrCurveKey, "Policy" of zap is
// ZAPPolicy).
var reexported = []source{
	{dir: "core", pkg: "core"},
	{dir: "sdk/zmtp/curve", pkg: "curve", prefix: "Curve"},
	{dir: "sdk/z85", pkg: "z85", prefix: "Z85"},
	{dir: "sdk/zmtp/zap", pkg: "zap", prefix: "ZAP"},
	{dir: "sdk/zcert", pkg: "zcert", prefix: "Cert"},
}

// renamed are the re-exports whose prefixed name would read badly; a verb
// keeps its place at the front.
var renamed = map[string]string{
	"curve.GenerateKeyPair": "GenerateCurveKeyPair",
	"curve.ParseKey":        "ParseCurveKey",
	"zap.ErrNoHandler":      "ErrNoZAPHandler",
	"zap.ParseRequest":      "ParseZAPRequest",
	"zap.ParseReply":        "ParseZAPReply",
	"zcert.Certificate":     "Certificate",
	"zcert.New":             "NewCertificate",
	"zcert.Parse":           "ParseCertificate",
	"zcert.Load":            "LoadCertificate",
	"zcert.LoadDir":         "LoadCertificates",
	"zcert.Store":           "CertStore",
	"zcert.NewStore":        "NewCertStore",
	"zcert.ErrInvalid":      "ErrInvalidCertificate",
}

// notReexported are the identifiers the root leaves out on purpose, and why:
// they are for code that implements a mechanism, not for code that uses
// sockets, which gets the same through socket options.
var notReexported = map[string]string{
	"curve.Client":      "the client side of the mechanism, which a socket builds from CurveServerKey, CurvePublicKey and CurveSecretKey",
	"curve.Server":      "the server side of the mechanism, which a socket builds from CurveServer and CurveSecretKey",
	"curve.Name":        "the mechanism's name in the ZMTP greeting",
	"curve.CmdHello":    "a command name on the wire",
	"curve.CmdWelcome":  "a command name on the wire",
	"curve.CmdInitiate": "a command name on the wire",
	"curve.CmdMessage":  "a command name on the wire",
	"zap.Null":          "the NULL mechanism with a ZAP domain, which a socket builds from ZAPDomain",
	"zap.Authorize":     "how a server mechanism asks its Authenticator and answers the client",
	"zap.Decide":        "how a server mechanism sorts its Authenticator's answer",
	"zap.Check":         "how a server mechanism sorts its Authenticator's answer",
}

// source is one re-exported package.
type source struct {
	dir    string // from the module root
	pkg    string // its package name, the qualifier in the root's code
	prefix string // put before its names in the root, "" for none
}

// rootName is the root's name for the package's exported name.
func (s source) rootName(name string) string {
	if r, ok := renamed[s.pkg+"."+name]; ok {
		return r
	}
	if s.prefix == "" {
		return name
	}
	if rest, ok := strings.CutPrefix(name, "Err"); ok && rest != "" {
		return "Err" + s.prefix + rest
	}
	return s.prefix + name
}

// declared is one exported top-level identifier of a package.
type declared struct {
	name string
	kind token.Token // token.TYPE, CONST, VAR or FUNC
	doc  string      // its doc comment, or its group's
	fn   *ast.FuncDecl
	file *ast.File
	// refers are the qualified identifiers ("core.PUSH") its declaration
	// names: the aliased type, the value, or the functions its body calls.
	refers []string
}

// parsePackage reads the exported top-level identifiers of the non-test Go
// files in dir.
func parsePackage(t *testing.T, dir string) (*token.FileSet, []declared) {
	t.Helper()
	fset := token.NewFileSet()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var out []declared
	for _, e := range entries {
		n := e.Name()
		if e.IsDir() || !strings.HasSuffix(n, ".go") || strings.HasSuffix(n, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, filepath.Join(dir, n), nil, parser.ParseComments)
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range f.Decls {
			switch d := d.(type) {
			case *ast.FuncDecl:
				if d.Recv == nil && d.Name.IsExported() {
					out = append(out, declared{name: d.Name.Name, kind: token.FUNC, doc: d.Doc.Text(), fn: d, file: f, refers: calls(d.Body)})
				}
			case *ast.GenDecl:
				for _, spec := range d.Specs {
					switch spec := spec.(type) {
					case *ast.TypeSpec:
						if spec.Name.IsExported() {
							out = append(out, declared{name: spec.Name.Name, kind: token.TYPE, doc: specDoc(d, spec.Doc, spec.Comment), file: f,
								refers: []string{qualifiedName(spec.Type)}})
						}
					case *ast.ValueSpec:
						for i, id := range spec.Names {
							if !id.IsExported() {
								continue
							}
							var refers []string
							if i < len(spec.Values) {
								refers = []string{qualifiedName(spec.Values[i])}
							}
							out = append(out, declared{name: id.Name, kind: d.Tok, doc: specDoc(d, spec.Doc, spec.Comment), file: f, refers: refers})
						}
					}
				}
			}
		}
	}
	return fset, out
}

// qualifiedName is "pkg.Name" for an expression that is just that, else "".
func qualifiedName(e ast.Expr) string {
	if sel, ok := e.(*ast.SelectorExpr); ok {
		if pkg, ok := sel.X.(*ast.Ident); ok {
			return pkg.Name + "." + sel.Sel.Name
		}
	}
	return ""
}

// calls lists the qualified functions that a function body calls.
func calls(body *ast.BlockStmt) []string {
	var out []string
	if body == nil {
		return nil
	}
	ast.Inspect(body, func(n ast.Node) bool {
		if call, ok := n.(*ast.CallExpr); ok {
			if name := qualifiedName(call.Fun); name != "" {
				out = append(out, name)
			}
		}
		return true
	})
	return out
}

// specDoc is a spec's own comment, above or beside it, else its group's.
func specDoc(d *ast.GenDecl, doc, line *ast.CommentGroup) string {
	switch {
	case doc != nil:
		return doc.Text()
	case line != nil:
		return line.Text()
	}
	return d.Doc.Text()
}

// TestParity fails for every user-facing identifier of core, curve, z85 and
// zap that the root package does not re-export, and prints the Go code that
// re-exports it.
func TestParity(t *testing.T) {
	_, rootDecls := parsePackage(t, ".")
	inRoot := map[string]declared{}
	declaredNames := map[string]bool{} // "pkg.Name" of every source identifier
	for _, d := range rootDecls {
		inRoot[d.name] = d
	}
	for _, src := range reexported {
		fset, decls := parsePackage(t, src.dir)
		types := map[string]bool{}
		for _, d := range decls {
			declaredNames[src.pkg+"."+d.name] = true
			if d.kind == token.TYPE {
				types[d.name] = true
			}
		}
		byName := map[string]string{}
		for _, d := range decls {
			name := src.rootName(d.name)
			if _, skip := notReexported[src.pkg+"."+d.name]; skip {
				continue
			}
			if r, ok := inRoot[name]; ok {
				if !slices.Contains(r.refers, src.pkg+"."+d.name) || r.kind != d.kind {
					t.Errorf("zeroplug.%s should be a %s re-exporting %s.%s, but is a %s naming %v",
						name, d.kind, src.pkg, d.name, r.kind, r.refers)
				}
				continue
			}
			byName[name] = reexportCode(fset, src, d, types)
		}
		if len(byName) > 0 {
			var missing []string
			for _, name := range slices.Sorted(maps.Keys(byName)) {
				missing = append(missing, byName[name])
			}
			t.Errorf("the root package does not re-export %d identifiers of %s; add to the root package "+
				"(in the file of their concern), or list them in parity_test.go's notReexported with the reason:\n\n%s",
				len(missing), src.dir, strings.Join(missing, "\n"))
		}
	}
	for key := range notReexported {
		if !declaredNames[key] {
			t.Errorf("%s, listed in parity_test.go's notReexported, is no longer declared: remove it from the list", key)
		}
	}
}

// reexportCode is the root's declaration of d, with its doc comment.
func reexportCode(fset *token.FileSet, src source, d declared, types map[string]bool) string {
	name := src.rootName(d.name)
	qualified := src.pkg + "." + d.name
	doc := d.doc
	if rest, ok := strings.CutPrefix(doc, d.name); ok {
		doc = name + rest
	}
	if strings.TrimSpace(doc) == "" {
		doc = name + " is " + qualified + ".\n"
	}
	var b strings.Builder
	for _, line := range strings.Split(strings.TrimRight(doc, "\n"), "\n") {
		b.WriteString(strings.TrimRight("// "+line, " ") + "\n")
	}
	switch d.kind {
	case token.TYPE:
		fmt.Fprintf(&b, "type %s = %s\n", name, qualified)
	case token.CONST:
		fmt.Fprintf(&b, "const %s = %s\n", name, qualified)
	case token.VAR:
		fmt.Fprintf(&b, "var %s = %s\n", name, qualified)
	case token.FUNC:
		b.WriteString(wrapperCode(fset, src, d, name, types))
	}
	return b.String()
}

// wrapperCode is a function of the root that calls d, with the same
// parameters; the package's own types are named by their root aliases.
func wrapperCode(fset *token.FileSet, src source, d declared, name string, types map[string]bool) string {
	tp := typePrinter{fset: fset, src: src, types: types, imports: importsOf(d.file)}
	ft := d.fn.Type
	var params, args []string
	for i, field := range ft.Params.List {
		names := field.Names
		if len(names) == 0 {
			names = []*ast.Ident{ast.NewIdent("p" + strconv.Itoa(i))}
		}
		var ids []string
		for _, id := range names {
			ids = append(ids, id.Name)
			arg := id.Name
			if _, variadic := field.Type.(*ast.Ellipsis); variadic {
				arg += "..."
			}
			args = append(args, arg)
		}
		params = append(params, strings.Join(ids, ", ")+" "+tp.expr(field.Type))
	}
	results := ""
	if ft.Results != nil {
		var rs []string
		for _, field := range ft.Results.List {
			var ids []string
			for _, id := range field.Names {
				ids = append(ids, id.Name)
			}
			rs = append(rs, strings.TrimSpace(strings.Join(ids, ", ")+" "+tp.expr(field.Type)))
		}
		results = " " + strings.Join(rs, ", ")
		if len(rs) > 1 || len(ft.Results.List[0].Names) > 0 {
			results = " (" + strings.Join(rs, ", ") + ")"
		}
	}
	call := src.pkg + "." + d.name + "(" + strings.Join(args, ", ") + ")"
	if ft.Results != nil {
		call = "return " + call
	}
	if ft.TypeParams != nil {
		return fmt.Sprintf("// (generic: give the wrapper %s's type parameters)\nfunc %s(%s)%s { %s }\n",
			d.name, name, strings.Join(params, ", "), results, call)
	}
	return fmt.Sprintf("func %s(%s)%s { %s }\n", name, strings.Join(params, ", "), results, call)
}

// importsOf maps the package names a file uses to their import paths.
func importsOf(f *ast.File) map[string]string {
	m := map[string]string{}
	for _, imp := range f.Imports {
		path, _ := strconv.Unquote(imp.Path.Value)
		local := path[strings.LastIndex(path, "/")+1:]
		if imp.Name != nil {
			local = imp.Name.Name
		}
		m[local] = path
	}
	return m
}

// typePrinter writes a type of a re-exported package as the root's code
// names it.
type typePrinter struct {
	fset    *token.FileSet
	src     source
	types   map[string]bool   // the exported types of src
	imports map[string]string // of the file declaring the function
}

func (p typePrinter) expr(e ast.Expr) string {
	switch e := e.(type) {
	case *ast.Ident:
		if p.types[e.Name] {
			return p.src.rootName(e.Name)
		}
		return e.Name
	case *ast.SelectorExpr:
		if pkg, ok := e.X.(*ast.Ident); ok {
			for _, other := range reexported {
				if p.imports[pkg.Name] == "github.com/zeroplug/zeroplug/"+other.dir {
					return other.rootName(e.Sel.Name)
				}
			}
		}
	case *ast.StarExpr:
		return "*" + p.expr(e.X)
	case *ast.Ellipsis:
		return "..." + p.expr(e.Elt)
	case *ast.ArrayType:
		n := ""
		if e.Len != nil {
			n = p.node(e.Len)
		}
		return "[" + n + "]" + p.expr(e.Elt)
	case *ast.MapType:
		return "map[" + p.expr(e.Key) + "]" + p.expr(e.Value)
	case *ast.ChanType:
		switch e.Dir {
		case ast.SEND:
			return "chan<- " + p.expr(e.Value)
		case ast.RECV:
			return "<-chan " + p.expr(e.Value)
		}
		return "chan " + p.expr(e.Value)
	}
	return p.node(e)
}

func (p typePrinter) node(n ast.Node) string {
	var buf bytes.Buffer
	printer.Fprint(&buf, p.fset, n)
	return buf.String()
}

// TestRootDocumented fails for every exported identifier of the root package
// without a doc comment: pkg.go.dev is where a user reads them.
func TestRootDocumented(t *testing.T) {
	_, decls := parsePackage(t, ".")
	if len(decls) == 0 {
		t.Fatal("the root package declares nothing")
	}
	for _, d := range decls {
		if strings.TrimSpace(d.doc) == "" {
			t.Errorf("%s has no doc comment", d.name)
		}
	}
}

// TestReexportCode checks the code TestParity prints for identifiers it has
// not seen: the wrapper of a function keeps its parameters (unnamed ones
// named, variadic ones spread), names the package's types and zap's by their
// root aliases, and carries the doc comment over under the root's name.
func TestReexportCode(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "core", "core.go"), `package core

import (
	"context"
	"time"

	"github.com/zeroplug/zeroplug/sdk/zmtp/zap"
)

// Ready is what Poll found ready.
type Ready []*Socket

type Socket struct{}

// Poll waits for one of items.
func Poll(ctx context.Context, timeout time.Duration, items ...*Socket) (Ready, error)

// Guard is an option.
func Guard(zap.Authenticator, int) Option

// Fresh makes a channel.
func Fresh() <-chan map[string][]Ready
`)
	writeFile(t, filepath.Join(dir, "curve", "curve.go"), `package curve

// Key is a key.
type Key [32]byte

// ParseKey parses a key.
func ParseKey(s string) (k Key, err error)

var ErrOdd = error(nil)
`)
	want := map[string]string{
		"Ready": "// Ready is what Poll found ready.\ntype Ready = core.Ready\n",
		"Poll": "// Poll waits for one of items.\n" +
			"func Poll(ctx context.Context, timeout time.Duration, items ...*Socket) (Ready, error) { return core.Poll(ctx, timeout, items...) }\n",
		"Guard":         "// Guard is an option.\nfunc Guard(p0 ZAPAuthenticator, p1 int) Option { return core.Guard(p0, p1) }\n",
		"Fresh":         "// Fresh makes a channel.\nfunc Fresh() <-chan map[string][]Ready { return core.Fresh() }\n",
		"ParseCurveKey": "// ParseCurveKey parses a key.\nfunc ParseCurveKey(s string) (k CurveKey, err error) { return curve.ParseKey(s) }\n",
		"ErrCurveOdd":   "// ErrCurveOdd is curve.ErrOdd.\nvar ErrCurveOdd = curve.ErrOdd\n",
		"CurveKey":      "// CurveKey is a key.\ntype CurveKey = curve.Key\n",
		"Socket":        "// Socket is core.Socket.\ntype Socket = core.Socket\n",
	}
	got := map[string]string{}
	for _, src := range []source{reexported[0], reexported[1]} {
		fset, decls := parsePackage(t, filepath.Join(dir, src.pkg))
		types := map[string]bool{}
		for _, d := range decls {
			if d.kind == token.TYPE {
				types[d.name] = true
			}
		}
		for _, d := range decls {
			got[src.rootName(d.name)] = reexportCode(fset, src, d, types)
		}
	}
	for name, w := range want {
		if got[name] != w {
			t.Errorf("code for %s:\n%s\nwant:\n%s", name, got[name], w)
		}
	}
	if len(got) != len(want) {
		t.Errorf("code for %d identifiers, want %d: %v", len(got), len(want), slices.Sorted(maps.Keys(got)))
	}
}
