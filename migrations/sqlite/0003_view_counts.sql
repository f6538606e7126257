CREATE TABLE `view_buckets` (
	`article_id` text NOT NULL,
	`hour` integer NOT NULL,
	`views` integer NOT NULL,
	`uniques` integer NOT NULL,
	`bot_views` integer NOT NULL,
	PRIMARY KEY(`article_id`, `hour`),
	FOREIGN KEY (`article_id`) REFERENCES `articles`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `view_buckets_hour_idx` ON `view_buckets` (`hour`);--> statement-breakpoint
CREATE TABLE `view_days` (
	`article_id` text NOT NULL,
	`day` integer NOT NULL,
	`views` integer NOT NULL,
	`uniques` integer NOT NULL,
	`bot_views` integer NOT NULL,
	PRIMARY KEY(`article_id`, `day`),
	FOREIGN KEY (`article_id`) REFERENCES `articles`(`id`) ON UPDATE no action ON DELETE cascade
);
