CREATE TABLE "body_templates" (
	"article_id" text COLLATE "C" PRIMARY KEY NOT NULL,
	"template" text COLLATE "C" NOT NULL
);
--> statement-breakpoint
CREATE TABLE "summary_templates" (
	"article_id" text COLLATE "C" PRIMARY KEY NOT NULL,
	"template" text COLLATE "C" NOT NULL
);
--> statement-breakpoint
ALTER TABLE "body_templates" ADD CONSTRAINT "body_templates_article_id_articles_id_fk" FOREIGN KEY ("article_id") REFERENCES "articles"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "summary_templates" ADD CONSTRAINT "summary_templates_article_id_articles_id_fk" FOREIGN KEY ("article_id") REFERENCES "articles"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "articles_words_idx" ON "articles" USING btree ("id","word_count");--> statement-breakpoint
INSERT INTO "body_templates" ("article_id", "template") SELECT "id", "body_template" FROM "articles" WHERE "body_template" IS NOT NULL;--> statement-breakpoint
INSERT INTO "summary_templates" ("article_id", "template") SELECT "id", "summary_template" FROM "articles" WHERE "summary_template" IS NOT NULL;--> statement-breakpoint
ALTER TABLE "articles" DROP COLUMN "body_template";--> statement-breakpoint
ALTER TABLE "articles" DROP COLUMN "summary_template";