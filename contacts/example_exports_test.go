package contacts_test

import (
	"context"
	"fmt"
	"log"

	"github.com/wecom-connector/wecom/contacts"
	"github.com/wecom-connector/wecom/wecomtest"
)

// A retailer copies its whole address book into its HR system: it starts an export with a key
// of its own, waits for the job and streams the decrypted members, one at a time, however large
// the corp.
func ExampleService_ExportSimpleUsers() {
	svc, srv := newService()
	defer srv.Close()
	srv.AddUsers(wecomtest.CorpID,
		wecomtest.SeedUser{UserID: "li.na", Name: "李娜", Department: []int{2}},
		wecomtest.SeedUser{UserID: "zhao.lei", Name: "赵磊", Department: []int{2, 3}})
	ctx := context.Background()

	key := contacts.NewExportKey() // keep it secret: it decrypts the files
	job, err := svc.ExportSimpleUsers(ctx, contacts.ExportParams{EncodingAESKey: key})
	if err != nil {
		log.Fatal(err)
	}
	result, err := svc.WaitExport(ctx, job)
	if err != nil {
		log.Fatal(err)
	}
	for u, err := range svc.ReadExportedSimpleUsers(ctx, result, contacts.ExportReadParams{EncodingAESKey: key}) {
		if err != nil {
			log.Fatal(err)
		}
		fmt.Println(u.UserID, u.Name, u.Department)
	}
	// Output:
	// li.na 李娜 [2]
	// zhao.lei 赵磊 [2 3]
}
