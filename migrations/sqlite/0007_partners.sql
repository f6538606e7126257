CREATE TABLE `partner_usage` (
	`token_id` text NOT NULL,
	`day` text NOT NULL,
	`requests` integer NOT NULL,
	PRIMARY KEY(`token_id`, `day`),
	FOREIGN KEY (`token_id`) REFERENCES `api_tokens`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
ALTER TABLE `api_tokens` ADD `partner` text;--> statement-breakpoint
ALTER TABLE `api_tokens` ADD `tier` text;--> statement-breakpoint
ALTER TABLE `articles` ADD `syndication` text DEFAULT 'all' NOT NULL;--> statement-breakpoint
ALTER TABLE `articles` ADD `syndication_partners` text DEFAULT '[]' NOT NULL;--> statement-breakpoint
ALTER TABLE `articles` ADD `embargo_until` integer;--> statement-breakpoint
ALTER TABLE `articles` ADD `rights_statement` text;--> statement-breakpoint
ALTER TABLE `articles` ADD `usage_terms` text;--> statement-breakpoint
ALTER TABLE `articles` ADD `withdrawn_at` integer;