CREATE TABLE "api_tokens" (
	"id" text COLLATE "C" PRIMARY KEY NOT NULL,
	"name" text COLLATE "C" NOT NULL,
	"token_hash" text COLLATE "C" NOT NULL,
	"scopes" jsonb NOT NULL,
	"created_at" bigint NOT NULL,
	"last_used_at" bigint,
	"revoked_at" bigint
);
--> statement-breakpoint
CREATE TABLE "article_slugs" (
	"slug" text COLLATE "C" PRIMARY KEY NOT NULL,
	"article_id" text COLLATE "C" NOT NULL,
	"retired_at" bigint NOT NULL
);
--> statement-breakpoint
CREATE TABLE "article_tags" (
	"article_id" text COLLATE "C" NOT NULL,
	"tag" text COLLATE "C" NOT NULL,
	"position" integer NOT NULL,
	"published_at" bigint,
	CONSTRAINT "article_tags_article_id_tag_pk" PRIMARY KEY("article_id","tag")
);
--> statement-breakpoint
CREATE TABLE "article_topics" (
	"article_id" text COLLATE "C" NOT NULL,
	"topic_id" text COLLATE "C" NOT NULL,
	"position" integer NOT NULL,
	"published_at" bigint,
	CONSTRAINT "article_topics_article_id_topic_id_pk" PRIMARY KEY("article_id","topic_id")
);
--> statement-breakpoint
CREATE TABLE "articles" (
	"id" text COLLATE "C" PRIMARY KEY NOT NULL,
	"slug" text COLLATE "C" NOT NULL,
	"type" text COLLATE "C" NOT NULL,
	"headline" text COLLATE "C" NOT NULL,
	"standfirst" text COLLATE "C",
	"language" text COLLATE "C" NOT NULL,
	"status" text COLLATE "C" NOT NULL,
	"published_at" bigint,
	"created_at" bigint NOT NULL,
	"updated_at" bigint NOT NULL,
	"version" integer NOT NULL,
	"primary_topic_id" text COLLATE "C",
	"hero_image" jsonb,
	"content_warning" text COLLATE "C",
	"content_warning_text" text COLLATE "C",
	"body_blocks" jsonb NOT NULL,
	"body_html" text COLLATE "C" NOT NULL,
	"body_text" text COLLATE "C" NOT NULL,
	"excerpt" text COLLATE "C" NOT NULL,
	"word_count" integer NOT NULL,
	"reading_time_minutes" integer NOT NULL,
	CONSTRAINT "articles_slug_unique" UNIQUE("slug")
);
--> statement-breakpoint
CREATE TABLE "authors" (
	"id" text COLLATE "C" PRIMARY KEY NOT NULL,
	"slug" text COLLATE "C" NOT NULL,
	"name" text COLLATE "C" NOT NULL,
	"bio" text COLLATE "C",
	"avatar_url" text COLLATE "C",
	"created_at" bigint NOT NULL,
	"updated_at" bigint NOT NULL,
	CONSTRAINT "authors_slug_unique" UNIQUE("slug")
);
--> statement-breakpoint
CREATE TABLE "bylines" (
	"article_id" text COLLATE "C" NOT NULL,
	"author_id" text COLLATE "C" NOT NULL,
	"position" integer NOT NULL,
	"published_at" bigint,
	CONSTRAINT "bylines_article_id_author_id_pk" PRIMARY KEY("article_id","author_id")
);
--> statement-breakpoint
CREATE TABLE "collection_items" (
	"collection_id" text COLLATE "C" NOT NULL,
	"article_id" text COLLATE "C" NOT NULL,
	"position" integer NOT NULL,
	CONSTRAINT "collection_items_collection_id_article_id_pk" PRIMARY KEY("collection_id","article_id")
);
--> statement-breakpoint
CREATE TABLE "collections" (
	"id" text COLLATE "C" PRIMARY KEY NOT NULL,
	"slug" text COLLATE "C" NOT NULL,
	"title" text COLLATE "C" NOT NULL,
	"created_at" bigint NOT NULL,
	"updated_at" bigint NOT NULL,
	CONSTRAINT "collections_slug_unique" UNIQUE("slug")
);
--> statement-breakpoint
CREATE TABLE "fact_tables" (
	"id" text COLLATE "C" PRIMARY KEY NOT NULL,
	"slug" text COLLATE "C" NOT NULL,
	"title" text COLLATE "C" NOT NULL,
	"methodology" text COLLATE "C",
	"topic_id" text COLLATE "C",
	"created_at" bigint NOT NULL,
	"updated_at" bigint NOT NULL,
	CONSTRAINT "fact_tables_slug_unique" UNIQUE("slug")
);
--> statement-breakpoint
CREATE TABLE "figures" (
	"id" text COLLATE "C" PRIMARY KEY NOT NULL,
	"table_id" text COLLATE "C" NOT NULL,
	"metric_id" text COLLATE "C" NOT NULL,
	"subject_party_id" text COLLATE "C",
	"category" text COLLATE "C" NOT NULL,
	"counterparty_id" text COLLATE "C",
	"claimant_id" text COLLATE "C" NOT NULL,
	"qualifier" text COLLATE "C" NOT NULL,
	"best" bigint,
	"low" bigint,
	"high" bigint,
	"verbatim" text COLLATE "C" NOT NULL,
	"as_of" bigint NOT NULL,
	"as_of_precision" text COLLATE "C" NOT NULL,
	"source_url" text COLLATE "C",
	"quote" text COLLATE "C",
	"article_id" text COLLATE "C",
	"verification" text COLLATE "C" NOT NULL,
	"rank" text COLLATE "C" NOT NULL,
	"deprecation_reason" text COLLATE "C",
	"deprecation_note" text COLLATE "C",
	"deprecated_at" bigint,
	"deprecated_by" text COLLATE "C",
	"supersedes_id" text COLLATE "C",
	"recorded_at" bigint NOT NULL,
	"recorded_by" text COLLATE "C" NOT NULL,
	CONSTRAINT "figures_values_non_negative" CHECK (coalesce("figures"."best", 0) >= 0 and coalesce("figures"."low", 0) >= 0 and coalesce("figures"."high", 0) >= 0),
	CONSTRAINT "figures_bounds_ordered" CHECK (("figures"."low" is null or "figures"."best" is null or "figures"."low" <= "figures"."best") and ("figures"."best" is null or "figures"."high" is null or "figures"."best" <= "figures"."high") and ("figures"."low" is null or "figures"."high" is null or "figures"."low" <= "figures"."high")),
	CONSTRAINT "figures_qualifier_numbers" CHECK (case "figures"."qualifier"
        when 'exact' then "figures"."best" is not null and "figures"."low" is null and "figures"."high" is null
        when 'around' then "figures"."best" is not null
        when 'at-least' then "figures"."low" is not null and "figures"."high" is null
        when 'more-than' then "figures"."low" is not null and "figures"."high" is null
        when 'up-to' then "figures"."high" is not null and "figures"."low" is null
        when 'fewer-than' then "figures"."high" is not null and "figures"."low" is null
        when 'range' then "figures"."low" is not null and "figures"."high" is not null and "figures"."low" < "figures"."high"
        when 'unknown' then "figures"."best" is null and "figures"."low" is null and "figures"."high" is null
        else false end),
	CONSTRAINT "figures_deprecation_complete" CHECK (("figures"."rank" = 'deprecated') = ("figures"."deprecation_reason" is not null and "figures"."deprecated_at" is not null))
);
--> statement-breakpoint
CREATE TABLE "metrics" (
	"id" text COLLATE "C" PRIMARY KEY NOT NULL,
	"slug" text COLLATE "C" NOT NULL,
	"name" text COLLATE "C" NOT NULL,
	"description" text COLLATE "C",
	"components" jsonb NOT NULL,
	"created_at" bigint NOT NULL,
	"updated_at" bigint NOT NULL,
	CONSTRAINT "metrics_slug_unique" UNIQUE("slug")
);
--> statement-breakpoint
CREATE TABLE "parties" (
	"id" text COLLATE "C" PRIMARY KEY NOT NULL,
	"slug" text COLLATE "C" NOT NULL,
	"name" text COLLATE "C" NOT NULL,
	"created_at" bigint NOT NULL,
	"updated_at" bigint NOT NULL,
	CONSTRAINT "parties_slug_unique" UNIQUE("slug")
);
--> statement-breakpoint
CREATE TABLE "related_articles" (
	"article_id" text COLLATE "C" NOT NULL,
	"related_id" text COLLATE "C" NOT NULL,
	"position" integer NOT NULL,
	CONSTRAINT "related_articles_article_id_related_id_pk" PRIMARY KEY("article_id","related_id")
);
--> statement-breakpoint
CREATE TABLE "sources" (
	"id" text COLLATE "C" PRIMARY KEY NOT NULL,
	"slug" text COLLATE "C" NOT NULL,
	"name" text COLLATE "C" NOT NULL,
	"kind" text COLLATE "C" NOT NULL,
	"party_id" text COLLATE "C",
	"url" text COLLATE "C",
	"created_at" bigint NOT NULL,
	"updated_at" bigint NOT NULL,
	CONSTRAINT "sources_slug_unique" UNIQUE("slug")
);
--> statement-breakpoint
CREATE TABLE "topics" (
	"id" text COLLATE "C" PRIMARY KEY NOT NULL,
	"slug" text COLLATE "C" NOT NULL,
	"title" text COLLATE "C" NOT NULL,
	"description" text COLLATE "C",
	"kind" text COLLATE "C" NOT NULL,
	"hero_image" jsonb,
	"created_at" bigint NOT NULL,
	"updated_at" bigint NOT NULL,
	CONSTRAINT "topics_slug_unique" UNIQUE("slug")
);
--> statement-breakpoint
CREATE TABLE "view_buckets" (
	"article_id" text COLLATE "C" NOT NULL,
	"hour" bigint NOT NULL,
	"views" bigint NOT NULL,
	"uniques" bigint NOT NULL,
	"bot_views" bigint NOT NULL,
	CONSTRAINT "view_buckets_article_id_hour_pk" PRIMARY KEY("article_id","hour")
);
--> statement-breakpoint
CREATE TABLE "view_days" (
	"article_id" text COLLATE "C" NOT NULL,
	"day" bigint NOT NULL,
	"views" bigint NOT NULL,
	"uniques" bigint NOT NULL,
	"bot_views" bigint NOT NULL,
	CONSTRAINT "view_days_article_id_day_pk" PRIMARY KEY("article_id","day")
);
--> statement-breakpoint
CREATE TABLE "view_marks" (
	"name" text COLLATE "C" PRIMARY KEY NOT NULL,
	"hour" bigint NOT NULL
);
--> statement-breakpoint
CREATE TABLE "view_totals" (
	"article_id" text COLLATE "C" PRIMARY KEY NOT NULL,
	"day" bigint DEFAULT 0 NOT NULL,
	"week" bigint DEFAULT 0 NOT NULL,
	"month" bigint DEFAULT 0 NOT NULL,
	"trend" double precision DEFAULT 0 NOT NULL
);
--> statement-breakpoint
ALTER TABLE "article_slugs" ADD CONSTRAINT "article_slugs_article_id_articles_id_fk" FOREIGN KEY ("article_id") REFERENCES "articles"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "article_tags" ADD CONSTRAINT "article_tags_article_id_articles_id_fk" FOREIGN KEY ("article_id") REFERENCES "articles"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "article_topics" ADD CONSTRAINT "article_topics_article_id_articles_id_fk" FOREIGN KEY ("article_id") REFERENCES "articles"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "article_topics" ADD CONSTRAINT "article_topics_topic_id_topics_id_fk" FOREIGN KEY ("topic_id") REFERENCES "topics"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "articles" ADD CONSTRAINT "articles_primary_topic_id_topics_id_fk" FOREIGN KEY ("primary_topic_id") REFERENCES "topics"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "bylines" ADD CONSTRAINT "bylines_article_id_articles_id_fk" FOREIGN KEY ("article_id") REFERENCES "articles"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "bylines" ADD CONSTRAINT "bylines_author_id_authors_id_fk" FOREIGN KEY ("author_id") REFERENCES "authors"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "collection_items" ADD CONSTRAINT "collection_items_collection_id_collections_id_fk" FOREIGN KEY ("collection_id") REFERENCES "collections"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "collection_items" ADD CONSTRAINT "collection_items_article_id_articles_id_fk" FOREIGN KEY ("article_id") REFERENCES "articles"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "fact_tables" ADD CONSTRAINT "fact_tables_topic_id_topics_id_fk" FOREIGN KEY ("topic_id") REFERENCES "topics"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "figures" ADD CONSTRAINT "figures_table_id_fact_tables_id_fk" FOREIGN KEY ("table_id") REFERENCES "fact_tables"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "figures" ADD CONSTRAINT "figures_metric_id_metrics_id_fk" FOREIGN KEY ("metric_id") REFERENCES "metrics"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "figures" ADD CONSTRAINT "figures_subject_party_id_parties_id_fk" FOREIGN KEY ("subject_party_id") REFERENCES "parties"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "figures" ADD CONSTRAINT "figures_counterparty_id_parties_id_fk" FOREIGN KEY ("counterparty_id") REFERENCES "parties"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "figures" ADD CONSTRAINT "figures_claimant_id_sources_id_fk" FOREIGN KEY ("claimant_id") REFERENCES "sources"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "figures" ADD CONSTRAINT "figures_article_id_articles_id_fk" FOREIGN KEY ("article_id") REFERENCES "articles"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "figures" ADD CONSTRAINT "figures_supersedes_id_figures_id_fk" FOREIGN KEY ("supersedes_id") REFERENCES "figures"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "related_articles" ADD CONSTRAINT "related_articles_article_id_articles_id_fk" FOREIGN KEY ("article_id") REFERENCES "articles"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "related_articles" ADD CONSTRAINT "related_articles_related_id_articles_id_fk" FOREIGN KEY ("related_id") REFERENCES "articles"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "sources" ADD CONSTRAINT "sources_party_id_parties_id_fk" FOREIGN KEY ("party_id") REFERENCES "parties"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "view_buckets" ADD CONSTRAINT "view_buckets_article_id_articles_id_fk" FOREIGN KEY ("article_id") REFERENCES "articles"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "view_days" ADD CONSTRAINT "view_days_article_id_articles_id_fk" FOREIGN KEY ("article_id") REFERENCES "articles"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "view_totals" ADD CONSTRAINT "view_totals_article_id_articles_id_fk" FOREIGN KEY ("article_id") REFERENCES "articles"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "api_tokens_hash_idx" ON "api_tokens" USING btree ("token_hash");--> statement-breakpoint
CREATE INDEX "article_tags_tag_idx" ON "article_tags" USING btree ("tag");--> statement-breakpoint
CREATE INDEX "article_tags_tag_published_idx" ON "article_tags" USING btree ("tag","published_at","article_id");--> statement-breakpoint
CREATE INDEX "article_topics_topic_idx" ON "article_topics" USING btree ("topic_id");--> statement-breakpoint
CREATE INDEX "article_topics_topic_published_idx" ON "article_topics" USING btree ("topic_id","published_at","article_id");--> statement-breakpoint
CREATE INDEX "articles_visible_idx" ON "articles" USING btree ("status","published_at","id");--> statement-breakpoint
CREATE INDEX "articles_type_idx" ON "articles" USING btree ("type","published_at");--> statement-breakpoint
CREATE INDEX "bylines_author_idx" ON "bylines" USING btree ("author_id");--> statement-breakpoint
CREATE INDEX "bylines_author_published_idx" ON "bylines" USING btree ("author_id","published_at","article_id");--> statement-breakpoint
CREATE INDEX "figures_series_idx" ON "figures" USING btree ("table_id","metric_id","subject_party_id","category","claimant_id","as_of");--> statement-breakpoint
CREATE INDEX "view_buckets_hour_idx" ON "view_buckets" USING btree ("hour");--> statement-breakpoint
CREATE INDEX "view_totals_day_idx" ON "view_totals" USING btree ("day");--> statement-breakpoint
CREATE INDEX "view_totals_week_idx" ON "view_totals" USING btree ("week");--> statement-breakpoint
CREATE INDEX "view_totals_month_idx" ON "view_totals" USING btree ("month");--> statement-breakpoint
CREATE INDEX "view_totals_trend_idx" ON "view_totals" USING btree ("trend");