package inventory

import (
	"bufio"
	"bytes"
	"cmp"
	"fmt"
	"go/format"
	"go/token"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

// Errcode is one documented errcode with its Go name (client.Code*), meaning and hint.
type Errcode struct {
	Code    int
	Name    string
	Meaning string // from the spec's errcode tables
	Hint    string // what the caller can do, from the names file; may be empty
	Source  string // spec file and section the meaning comes from
}

// errcodeFiles are the spec extracts with errcode tables (errcodes-official.md: rows of the
// official global errcode page beyond the spec). A code's meaning comes from the global
// table (platform.md §13) when it lists the code, else from the first row naming the code alone in
// this order, else from the first row naming it with others. webhook.md's table is left out: it
// lists the crypto library's return values, which no API answers.
var errcodeFiles = []string{"platform.md", "messages.md", "customerservice.md", "contacts-apps.md", "errcodes-official.md"}

const globalTable = "platform.md §13."

var (
	anyHead   = regexp.MustCompile(`^#+ (\S+)`)
	codeList  = regexp.MustCompile(`^-?[0-9]+(?:\s*[/,]\s*-?[0-9]+)*$`)
	codeSplit = regexp.MustCompile(`\s*[/,]\s*`)
)

type codeRow struct {
	codes   []int
	meaning string
	source  string
	rank    int // lower wins: global table, then a row of one code, then a row of several
	order   int
}

// parseErrcodeTables reads every table whose first column is "errcode" in the spec extracts
// under dir. Rows whose code cell is a range ("86001–86227") or carries a remark are summaries
// of codes listed elsewhere and are skipped.
func parseErrcodeTables(dir string) ([]codeRow, error) {
	var rows []codeRow
	for _, name := range errcodeFiles {
		b, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			return nil, err
		}
		section := ""
		meaningCol := -1
		inTable := false
		for line := range strings.SplitSeq(string(b), "\n") {
			if h := anyHead.FindStringSubmatch(line); h != nil {
				section = h[1]
			}
			if !strings.HasPrefix(line, "|") {
				inTable, meaningCol = false, -1
				continue
			}
			cells := splitRow(line)
			if !inTable {
				inTable = true
				if len(cells) > 0 && strings.EqualFold(cells[0], "errcode") {
					for i, c := range cells {
						if strings.HasPrefix(strings.ToLower(c), "meaning") {
							meaningCol = i
							break
						}
					}
				}
				continue
			}
			if meaningCol < 0 || meaningCol >= len(cells) {
				continue
			}
			cell := strings.ReplaceAll(cells[0], "`", "")
			if !codeList.MatchString(cell) {
				continue
			}
			var codes []int
			for _, s := range codeSplit.Split(cell, -1) {
				n, err := strconv.Atoi(s)
				if err != nil {
					return nil, fmt.Errorf("%s: %q: %v", name, line, err)
				}
				codes = append(codes, n)
			}
			src := name + " §" + section
			rank := 1
			switch {
			case src == globalTable:
				rank = 0
			case len(codes) > 1:
				rank = 2
			}
			meaning := cleanMeaning(cells[meaningCol])
			if len(codes) > 1 {
				meaning += " (errcodes " + strings.Join(codeSplit.Split(cell, -1), " / ") + " in that order)"
			}
			rows = append(rows, codeRow{codes: codes, meaning: meaning, source: src, rank: rank, order: len(rows)})
		}
	}
	return rows, nil
}

// splitRow returns the trimmed cells of a markdown table row.
func splitRow(line string) []string {
	line = strings.TrimSpace(line)
	line = strings.TrimSuffix(strings.TrimPrefix(line, "|"), "|")
	cells := strings.Split(line, "|")
	for i := range cells {
		cells[i] = strings.TrimSpace(cells[i])
	}
	return cells
}

func cleanMeaning(s string) string {
	s = strings.ReplaceAll(s, "`", "")
	s = strings.ReplaceAll(s, "**", "")
	return strings.Join(strings.Fields(s), " ")
}

// DocumentedCodes returns the meaning of every errcode the spec extracts under dir list
// individually, with the spec section it comes from.
func DocumentedCodes(dir string) (map[int]Errcode, error) {
	rows, err := parseErrcodeTables(dir)
	if err != nil {
		return nil, err
	}
	slices.SortStableFunc(rows, func(a, b codeRow) int { return cmp.Or(a.rank-b.rank, a.order-b.order) })
	codes := map[int]Errcode{}
	for _, r := range rows {
		for _, c := range r.codes {
			if _, ok := codes[c]; !ok {
				codes[c] = Errcode{Code: c, Meaning: r.meaning, Source: r.source}
			}
		}
	}
	return codes, nil
}

type named struct{ name, hint string }

// loadNames reads the names file: "code<TAB>Name[<TAB>hint]" lines, # comments.
func loadNames(path string) (map[int]named, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	names := map[int]named{}
	byName := map[string]int{}
	sc := bufio.NewScanner(f)
	for ln := 1; sc.Scan(); ln++ {
		line := sc.Text()
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		cols := strings.Split(line, "\t")
		if len(cols) < 2 || len(cols) > 3 {
			return nil, fmt.Errorf("%s:%d: want code, name and an optional hint separated by tabs", path, ln)
		}
		code, err := strconv.Atoi(cols[0])
		if err != nil {
			return nil, fmt.Errorf("%s:%d: %v", path, ln, err)
		}
		n := named{name: cols[1]}
		if len(cols) == 3 {
			n.hint = cols[2]
		}
		if !token.IsIdentifier(n.name) || !token.IsExported(n.name) || !strings.HasPrefix(n.name, "Code") {
			return nil, fmt.Errorf("%s:%d: %q is not an exported Go name starting with Code", path, ln, n.name)
		}
		if _, dup := names[code]; dup {
			return nil, fmt.Errorf("%s:%d: errcode %d named twice", path, ln, code)
		}
		if other, dup := byName[n.name]; dup {
			return nil, fmt.Errorf("%s:%d: %s already names errcode %d", path, ln, n.name, other)
		}
		names[code], byName[n.name] = n, code
	}
	return names, sc.Err()
}

// Errcodes joins the codes documented in the spec extracts under specDir with the names file:
// every documented code must have a name, and every name a documented code. The result is
// sorted by code.
func Errcodes(specDir, namesPath string) ([]Errcode, error) {
	docs, err := DocumentedCodes(specDir)
	if err != nil {
		return nil, err
	}
	names, err := loadNames(namesPath)
	if err != nil {
		return nil, err
	}
	var problems []string
	var out []Errcode
	for code, e := range docs {
		n, ok := names[code]
		if !ok {
			problems = append(problems, fmt.Sprintf("errcode %d (%s: %s) has no name in %s", code, e.Source, e.Meaning, namesPath))
			continue
		}
		e.Name, e.Hint = n.name, n.hint
		out = append(out, e)
	}
	for code, n := range names {
		if _, ok := docs[code]; !ok {
			problems = append(problems, fmt.Sprintf("%s names errcode %d (%s), which no errcode table lists", namesPath, code, n.name))
		}
	}
	if len(problems) > 0 {
		slices.Sort(problems)
		return nil, fmt.Errorf("%s", strings.Join(problems, "\n"))
	}
	slices.SortFunc(out, func(a, b Errcode) int { return a.Code - b.Code })
	return out, nil
}

// FormatCodes renders the Go file declaring the Code* constants, codeText, codeHint and
// codeHintOf in package pkg.
func FormatCodes(pkg string, codes []Errcode) ([]byte, error) {
	var b bytes.Buffer
	b.WriteString("// Code generated by internal/gen/codes from the errcode tables in internal/inventory/spec\n")
	b.WriteString("// and the names in internal/inventory/errcodes.tsv; DO NOT EDIT.\n\n")
	fmt.Fprintf(&b, "package %s\n\n", pkg)
	b.WriteString("// Errcodes documented by WeCom: the global errcode table (全局错误码) and the errcode tables of\n")
	b.WriteString("// the API pages. A name never changes once released; each comment gives the meaning and the\n")
	b.WriteString("// official lookup page of the code.\n")
	b.WriteString("const (\n")
	for _, c := range codes {
		for _, line := range wrap(fmt.Sprintf("%s (%d): %s", c.Name, c.Code, sentence(c.Meaning)), 96) {
			fmt.Fprintf(&b, "\t// %s\n", line)
		}
		fmt.Fprintf(&b, "\t// https://open.work.weixin.qq.com/devtool/query?e=%d\n", c.Code)
		fmt.Fprintf(&b, "\t%s = %d\n", c.Name, c.Code)
	}
	b.WriteString(")\n\n")
	b.WriteString("// codeText maps an errcode to its meaning.\n")
	b.WriteString("var codeText = map[int]string{\n")
	for _, c := range codes {
		fmt.Fprintf(&b, "\t%s: %s,\n", c.Name, strconv.Quote(c.Meaning))
	}
	b.WriteString("}\n\n")
	b.WriteString("// codeHint maps an errcode to what the caller can do about it, where the SDK knows.\n")
	b.WriteString("var codeHint = map[int]string{\n")
	for _, c := range codes {
		if c.Hint != "" {
			fmt.Fprintf(&b, "\t%s: %s,\n", c.Name, strconv.Quote(c.Hint))
		}
	}
	b.WriteString("}\n\n")
	b.WriteString("// codeHintOf returns what the caller can do about code, or \"\".\n")
	b.WriteString("func codeHintOf(code int) string { return codeHint[code] }\n")
	return format.Source(b.Bytes())
}

// sentence ends s with a full stop unless it ends with punctuation already.
func sentence(s string) string {
	if strings.HasSuffix(s, ".") || strings.HasSuffix(s, "?") || strings.HasSuffix(s, "!") {
		return s
	}
	return s + "."
}

// wrap breaks s into lines of at most width bytes where it can.
func wrap(s string, width int) []string {
	var lines []string
	line := ""
	for _, w := range strings.Fields(s) {
		if line != "" && len(line)+1+len(w) > width {
			lines = append(lines, line)
			line = ""
		}
		if line != "" {
			line += " "
		}
		line += w
	}
	return append(lines, line)
}
