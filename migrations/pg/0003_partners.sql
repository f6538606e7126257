CREATE TABLE "partner_usage" (
	"token_id" text COLLATE "C" NOT NULL,
	"day" text COLLATE "C" NOT NULL,
	"requests" integer NOT NULL,
	CONSTRAINT "partner_usage_token_id_day_pk" PRIMARY KEY("token_id","day")
);
--> statement-breakpoint
ALTER TABLE "api_tokens" ADD COLUMN "partner" text COLLATE "C";--> statement-breakpoint
ALTER TABLE "api_tokens" ADD COLUMN "tier" text COLLATE "C";--> statement-breakpoint
ALTER TABLE "articles" ADD COLUMN "syndication" text COLLATE "C" DEFAULT 'all' NOT NULL;--> statement-breakpoint
ALTER TABLE "articles" ADD COLUMN "syndication_partners" jsonb DEFAULT '[]'::jsonb NOT NULL;--> statement-breakpoint
ALTER TABLE "articles" ADD COLUMN "embargo_until" bigint;--> statement-breakpoint
ALTER TABLE "articles" ADD COLUMN "rights_statement" text COLLATE "C";--> statement-breakpoint
ALTER TABLE "articles" ADD COLUMN "usage_terms" text COLLATE "C";--> statement-breakpoint
ALTER TABLE "articles" ADD COLUMN "withdrawn_at" bigint;--> statement-breakpoint
ALTER TABLE "partner_usage" ADD CONSTRAINT "partner_usage_token_id_api_tokens_id_fk" FOREIGN KEY ("token_id") REFERENCES "api_tokens"("id") ON DELETE cascade ON UPDATE no action;