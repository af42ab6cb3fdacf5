package redisstore_test

import (
	"context"
	"errors"
	"log"
	"net/http"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/wecom-connector/wecom/client"
	"github.com/wecom-connector/wecom/redisstore"
	"github.com/wecom-connector/wecom/webhook"
)

// Every process of a fleet builds its client and callback handler on the same Redis: the
// processes share one access token per secret, and a callback redelivered to another process
// is dropped there. It needs a running Redis, so it has no Output; the package's tests run the
// same wiring across real processes.
func Example() {
	rdb := redis.NewClient(&redis.Options{Addr: "127.0.0.1:6379", ContextTimeoutEnabled: true})
	st := redisstore.New(rdb, redisstore.WithPrefix("prod:"))

	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := st.Ping(ctx); errors.Is(err, redisstore.ErrAuth) {
		log.Fatal("check the Redis password: ", err)
	} else if err != nil {
		log.Print("Redis down, tokens fall back to this process: ", err)
	}

	c, err := client.New(client.CorpApp{CorpID: "wwcorp", Secret: "app-secret"}, client.WithStore(st))
	if err != nil {
		log.Fatal(err)
	}
	_ = c // build the service packages on c

	crypto, err := webhook.NewCrypto("callbackToken", "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C", "wwcorp")
	if err != nil {
		log.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.Handle("/wecom/callback", webhook.NewHandler(crypto, webhook.WithStore(st)))
	_ = http.ListenAndServe(":8080", mux)
}
