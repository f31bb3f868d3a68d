package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"text/tabwriter"
	"time"

	"github.com/nubo-dev/nubo/internal/meter"
)

func envFloat(key string, def float64) float64 {
	if v, err := strconv.ParseFloat(os.Getenv(key), 64); err == nil {
		return v
	}
	return def
}

func envInt64(key string, def int64) int64 {
	if v, err := strconv.ParseInt(os.Getenv(key), 10, 64); err == nil {
		return v
	}
	return def
}

// priceFlags registers the flags of nubo serve that price the bill.
func priceFlags(fs *flag.FlagSet) *meter.Prices {
	p := meter.DefaultPrices()
	fs.Float64Var(&p.RequestsPerMillion, "price-requests", envFloat("NUBO_PRICE_REQUESTS", p.RequestsPerMillion), "US dollars per million requests (NUBO_PRICE_REQUESTS)")
	fs.Float64Var(&p.GBSecondX86, "price-gb-second-x86", envFloat("NUBO_PRICE_GB_SECOND_X86", p.GBSecondX86), "US dollars per GB-second on x86_64 (NUBO_PRICE_GB_SECOND_X86)")
	fs.Float64Var(&p.GBSecondArm64, "price-gb-second-arm64", envFloat("NUBO_PRICE_GB_SECOND_ARM64", p.GBSecondArm64), "US dollars per GB-second on arm64 (NUBO_PRICE_GB_SECOND_ARM64)")
	fs.Int64Var(&p.FreeRequests, "free-requests", envInt64("NUBO_FREE_REQUESTS", p.FreeRequests), "free requests a month (NUBO_FREE_REQUESTS)")
	fs.Float64Var(&p.HTTPAPIRequestsPerMillion, "price-http-api-requests", envFloat("NUBO_PRICE_HTTP_API_REQUESTS", p.HTTPAPIRequestsPerMillion), "US dollars per million requests to API Gateway HTTP APIs (NUBO_PRICE_HTTP_API_REQUESTS)")
	fs.Int64Var(&p.FreeGBSeconds, "free-gb-seconds", envInt64("NUBO_FREE_GB_SECONDS", p.FreeGBSeconds), "free GB-seconds a month, both architectures together (NUBO_FREE_GB_SECONDS)")
	d := &p.DynamoDB
	fs.Float64Var(&d.ReadRequestUnitsPerMillion, "price-dynamodb-read", envFloat("NUBO_PRICE_DYNAMODB_READ", d.ReadRequestUnitsPerMillion), "US dollars per million DynamoDB read request units (NUBO_PRICE_DYNAMODB_READ)")
	fs.Float64Var(&d.WriteRequestUnitsPerMillion, "price-dynamodb-write", envFloat("NUBO_PRICE_DYNAMODB_WRITE", d.WriteRequestUnitsPerMillion), "US dollars per million DynamoDB write request units (NUBO_PRICE_DYNAMODB_WRITE)")
	fs.Float64Var(&d.StorageGBMonth, "price-dynamodb-storage", envFloat("NUBO_PRICE_DYNAMODB_STORAGE", d.StorageGBMonth), "US dollars per DynamoDB GB-month (NUBO_PRICE_DYNAMODB_STORAGE)")
	fs.Float64Var(&d.FreeStorageGB, "free-dynamodb-storage", envFloat("NUBO_FREE_DYNAMODB_STORAGE", d.FreeStorageGB), "free DynamoDB GB-months a month (NUBO_FREE_DYNAMODB_STORAGE)")
	fs.Float64Var(&p.CustomEventsPerMillion, "price-events", envFloat("NUBO_PRICE_EVENTS", p.CustomEventsPerMillion), "US dollars per million EventBridge custom events (NUBO_PRICE_EVENTS)")
	s3 := &p.S3
	fs.Float64Var(&s3.Tier1Per1000, "price-s3-tier1", envFloat("NUBO_PRICE_S3_TIER1", s3.Tier1Per1000), "US dollars per 1,000 S3 PUT, COPY, POST and LIST requests (NUBO_PRICE_S3_TIER1)")
	fs.Float64Var(&s3.Tier2Per1000, "price-s3-tier2", envFloat("NUBO_PRICE_S3_TIER2", s3.Tier2Per1000), "US dollars per 1,000 S3 GET and other requests (NUBO_PRICE_S3_TIER2)")
	fs.Float64Var(&s3.StorageGBMonth, "price-s3-storage", envFloat("NUBO_PRICE_S3_STORAGE", s3.StorageGBMonth), "US dollars per S3 GB-month (NUBO_PRICE_S3_STORAGE)")
	sf := &p.StepFunctions
	fs.Float64Var(&sf.StateTransitionsPer1000, "price-state-transitions", envFloat("NUBO_PRICE_STATE_TRANSITIONS", sf.StateTransitionsPer1000), "US dollars per 1,000 state transitions of Standard workflows (NUBO_PRICE_STATE_TRANSITIONS)")
	fs.Int64Var(&sf.FreeStateTransitions, "free-state-transitions", envInt64("NUBO_FREE_STATE_TRANSITIONS", sf.FreeStateTransitions), "free state transitions a month (NUBO_FREE_STATE_TRANSITIONS)")
	fs.Float64Var(&sf.ExpressRequestsPerMillion, "price-express-requests", envFloat("NUBO_PRICE_EXPRESS_REQUESTS", sf.ExpressRequestsPerMillion), "US dollars per million Express workflow requests (NUBO_PRICE_EXPRESS_REQUESTS)")
	fs.Float64Var(&sf.ExpressGBSecond, "price-express-gb-second", envFloat("NUBO_PRICE_EXPRESS_GB_SECOND", sf.ExpressGBSecond), "US dollars per GB-second of Express workflows (NUBO_PRICE_EXPRESS_GB_SECOND)")
	return &p
}

func costCmd(args []string) error {
	fs := flag.NewFlagSet("cost", flag.ExitOnError)
	var c clientFlags
	c.register(fs)
	month := fs.String("month", meter.Month(time.Now()), "billing month, YYYY-MM (UTC)")
	function := fs.String("function", "", "only this function")
	asJSON := fs.Bool("json", false, "print the bill as JSON")
	fs.Parse(args)
	if fs.NArg() != 0 {
		return errors.New("usage: nubo cost [--month YYYY-MM] [--function NAME] [--json]")
	}
	q := url.Values{"month": {*month}}
	if *function != "" {
		q.Set("function", *function)
	}
	resp, err := c.get(context.Background(), meter.Path+"?"+q.Encode())
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		msg, _ := io.ReadAll(resp.Body)
		return fmt.Errorf("%s %s: %s: %s", meter.Path, q.Encode(), resp.Status, msg)
	}
	var r meter.Report
	if err := json.NewDecoder(resp.Body).Decode(&r); err != nil {
		return err
	}
	if *asJSON {
		enc := json.NewEncoder(os.Stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(r)
	}
	printBill(r)
	return nil
}

func printBill(r meter.Report) {
	p := r.Prices
	fmt.Printf("month %s: $%g per 1M requests, $%g per GB-s (x86_64), $%g per GB-s (arm64)\n\n",
		r.Month, p.RequestsPerMillion, p.GBSecondX86, p.GBSecondArm64)
	tw := tabwriter.NewWriter(os.Stdout, 0, 4, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "FUNCTION\tREGION\tREQUESTS\tBILLED MS\tGB-SECONDS\tCOST (USD)\t")
	for _, f := range r.Functions {
		fmt.Fprintf(tw, "%s\t%s\t%d\t%d\t%.6f\t%.10f\t\n", f.Function, f.Region, f.Requests, f.BilledMs, f.GBSeconds, f.Cost)
	}
	functionsCost := r.GrossCost
	for _, a := range r.APIs {
		functionsCost -= a.Cost
	}
	fmt.Fprintf(tw, "total\t\t%d\t\t%.6f\t%.10f\t\n", r.Requests, r.GBSeconds, functionsCost)
	tw.Flush()
	if len(r.DynamoDB) > 0 {
		d := p.DynamoDB
		fmt.Printf("\nDynamoDB: $%g per 1M read request units, $%g per 1M write request units, $%g per GB-month\n\n",
			d.ReadRequestUnitsPerMillion, d.WriteRequestUnitsPerMillion, d.StorageGBMonth)
		tw := tabwriter.NewWriter(os.Stdout, 0, 4, 2, ' ', tabwriter.AlignRight)
		fmt.Fprintln(tw, "TABLE\tREGION\tREAD UNITS\tWRITE UNITS\tGB-MONTHS\tCOST (USD)\t")
		for _, t := range r.DynamoDB {
			fmt.Fprintf(tw, "%s\t%s\t%g\t%g\t%.9f\t%.10f\t\n", t.Table, t.Region, t.ReadRequestUnits, t.WriteRequestUnits, t.GBMonths, t.Cost)
		}
		tw.Flush()
	}
	if len(r.Events) > 0 {
		fmt.Printf("\nEventBridge: $%g per 1M custom events\n\n", p.CustomEventsPerMillion)
		tw := tabwriter.NewWriter(os.Stdout, 0, 4, 2, ' ', tabwriter.AlignRight)
		fmt.Fprintln(tw, "REGION\tCUSTOM EVENTS\tCOST (USD)\t")
		for _, e := range r.Events {
			fmt.Fprintf(tw, "%s\t%d\t%.10f\t\n", e.Region, e.CustomEvents, e.Cost)
		}
		tw.Flush()
	}
	if len(r.APIs) > 0 {
		fmt.Printf("\nHTTP APIs: $%g per 1M requests\n\n", p.HTTPAPIRequestsPerMillion)
		tw := tabwriter.NewWriter(os.Stdout, 0, 4, 2, ' ', tabwriter.AlignRight)
		fmt.Fprintln(tw, "API\tREGION\tREQUESTS\tCOST (USD)\t")
		for _, a := range r.APIs {
			fmt.Fprintf(tw, "%s\t%s\t%d\t%.10f\t\n", a.ApiID, a.Region, a.Requests, a.Cost)
		}
		tw.Flush()
	}
	if len(r.S3) > 0 {
		s3 := p.S3
		fmt.Printf("\nS3: $%g per 1,000 PUT/COPY/POST/LIST, $%g per 1,000 GET and others, $%g per GB-month\n\n",
			s3.Tier1Per1000, s3.Tier2Per1000, s3.StorageGBMonth)
		tw := tabwriter.NewWriter(os.Stdout, 0, 4, 2, ' ', tabwriter.AlignRight)
		fmt.Fprintln(tw, "BUCKET\tREGION\tPUT/COPY/POST/LIST\tGET/OTHER\tGB-MONTHS\tCOST (USD)\t")
		for _, b := range r.S3 {
			fmt.Fprintf(tw, "%s\t%s\t%d\t%d\t%.9f\t%.10f\t\n", b.Bucket, b.Region, b.Tier1Requests, b.Tier2Requests, b.GBMonths, b.Cost)
		}
		tw.Flush()
	}
	printStates(r)
	fmt.Printf("\nfree tier used: %d of %d requests, %.6f of %d GB-s, %.9f of %g DynamoDB GB-months\n",
		r.FreeRequests, p.FreeRequests, r.FreeGBSeconds, p.FreeGBSeconds, r.FreeStorageGBMonths, p.DynamoDB.FreeStorageGB)
	fmt.Printf("due after the free tier: $%.10f\n", r.Cost)
}

// printStates prints Step Functions' part of the bill, when there is one.
func printStates(r meter.Report) {
	if len(r.StateMachines) == 0 {
		return
	}
	p := r.Prices.StepFunctions
	fmt.Printf("\nStep Functions: $%g per 1,000 state transitions (Standard; %d of %d free used), $%g per 1M requests and $%g per GB-s (Express)\n\n",
		p.StateTransitionsPer1000, r.FreeStateTransitions, p.FreeStateTransitions, p.ExpressRequestsPerMillion, p.ExpressGBSecond)
	tw := tabwriter.NewWriter(os.Stdout, 0, 4, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "STATE MACHINE\tREGION\tTRANSITIONS\tEXPRESS REQUESTS\tGB-SECONDS\tCOST (USD)\t")
	for _, s := range r.StateMachines {
		fmt.Fprintf(tw, "%s\t%s\t%d\t%d\t%.6f\t%.10f\t\n", s.StateMachine, s.Region, s.Transitions, s.Requests, s.GBSeconds, s.Cost)
	}
	tw.Flush()
}
