CREATE TABLE `fact_tables` (
	`id` text PRIMARY KEY NOT NULL,
	`slug` text NOT NULL,
	`title` text NOT NULL,
	`methodology` text,
	`topic_id` text,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	FOREIGN KEY (`topic_id`) REFERENCES `topics`(`id`) ON UPDATE no action ON DELETE set null
);
--> statement-breakpoint
CREATE UNIQUE INDEX `fact_tables_slug_unique` ON `fact_tables` (`slug`);--> statement-breakpoint
CREATE TABLE `figures` (
	`id` text PRIMARY KEY NOT NULL,
	`table_id` text NOT NULL,
	`metric_id` text NOT NULL,
	`subject_party_id` text,
	`category` text NOT NULL,
	`counterparty_id` text,
	`claimant_id` text NOT NULL,
	`qualifier` text NOT NULL,
	`best` integer,
	`low` integer,
	`high` integer,
	`verbatim` text NOT NULL,
	`as_of` integer NOT NULL,
	`as_of_precision` text NOT NULL,
	`source_url` text,
	`quote` text,
	`article_id` text,
	`verification` text NOT NULL,
	`rank` text NOT NULL,
	`deprecation_reason` text,
	`deprecation_note` text,
	`deprecated_at` integer,
	`deprecated_by` text,
	`supersedes_id` text,
	`recorded_at` integer NOT NULL,
	`recorded_by` text NOT NULL,
	FOREIGN KEY (`table_id`) REFERENCES `fact_tables`(`id`) ON UPDATE no action ON DELETE restrict,
	FOREIGN KEY (`metric_id`) REFERENCES `metrics`(`id`) ON UPDATE no action ON DELETE restrict,
	FOREIGN KEY (`subject_party_id`) REFERENCES `parties`(`id`) ON UPDATE no action ON DELETE restrict,
	FOREIGN KEY (`counterparty_id`) REFERENCES `parties`(`id`) ON UPDATE no action ON DELETE restrict,
	FOREIGN KEY (`claimant_id`) REFERENCES `sources`(`id`) ON UPDATE no action ON DELETE restrict,
	FOREIGN KEY (`article_id`) REFERENCES `articles`(`id`) ON UPDATE no action ON DELETE set null,
	FOREIGN KEY (`supersedes_id`) REFERENCES `figures`(`id`) ON UPDATE no action ON DELETE restrict,
	CONSTRAINT "figures_values_non_negative" CHECK(coalesce("figures"."best", 0) >= 0 and coalesce("figures"."low", 0) >= 0 and coalesce("figures"."high", 0) >= 0),
	CONSTRAINT "figures_bounds_ordered" CHECK(("figures"."low" is null or "figures"."best" is null or "figures"."low" <= "figures"."best") and ("figures"."best" is null or "figures"."high" is null or "figures"."best" <= "figures"."high") and ("figures"."low" is null or "figures"."high" is null or "figures"."low" <= "figures"."high")),
	CONSTRAINT "figures_qualifier_numbers" CHECK(case "figures"."qualifier"
        when 'exact' then "figures"."best" is not null and "figures"."low" is null and "figures"."high" is null
        when 'around' then "figures"."best" is not null
        when 'at-least' then "figures"."low" is not null and "figures"."high" is null
        when 'more-than' then "figures"."low" is not null and "figures"."high" is null
        when 'up-to' then "figures"."high" is not null and "figures"."low" is null
        when 'fewer-than' then "figures"."high" is not null and "figures"."low" is null
        when 'range' then "figures"."low" is not null and "figures"."high" is not null and "figures"."low" < "figures"."high"
        when 'unknown' then "figures"."best" is null and "figures"."low" is null and "figures"."high" is null
        else 0 end),
	CONSTRAINT "figures_deprecation_complete" CHECK(("figures"."rank" = 'deprecated') = ("figures"."deprecation_reason" is not null and "figures"."deprecated_at" is not null))
);
--> statement-breakpoint
CREATE INDEX `figures_series_idx` ON `figures` (`table_id`,`metric_id`,`subject_party_id`,`category`,`claimant_id`,`as_of`);--> statement-breakpoint
CREATE TABLE `metrics` (
	`id` text PRIMARY KEY NOT NULL,
	`slug` text NOT NULL,
	`name` text NOT NULL,
	`description` text,
	`components` text NOT NULL,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `metrics_slug_unique` ON `metrics` (`slug`);--> statement-breakpoint
CREATE TABLE `parties` (
	`id` text PRIMARY KEY NOT NULL,
	`slug` text NOT NULL,
	`name` text NOT NULL,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `parties_slug_unique` ON `parties` (`slug`);--> statement-breakpoint
CREATE TABLE `sources` (
	`id` text PRIMARY KEY NOT NULL,
	`slug` text NOT NULL,
	`name` text NOT NULL,
	`kind` text NOT NULL,
	`party_id` text,
	`url` text,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	FOREIGN KEY (`party_id`) REFERENCES `parties`(`id`) ON UPDATE no action ON DELETE restrict
);
--> statement-breakpoint
CREATE UNIQUE INDEX `sources_slug_unique` ON `sources` (`slug`);