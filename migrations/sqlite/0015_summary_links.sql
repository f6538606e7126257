-- Each article's byline, topics and tags as its summaries show them, on its row (src/db/summary-links.ts keeps it).
ALTER TABLE `articles` ADD `summary_links` text;
--> statement-breakpoint
UPDATE `articles` SET `summary_links` = json_object(
	'authors', (SELECT json_group_array(json(`x`)) FROM (SELECT json_object('id', `a`.`id`, 'slug', `a`.`slug`, 'name', `a`.`name`) AS `x` FROM `bylines` `b` JOIN `authors` `a` ON `a`.`id` = `b`.`author_id` WHERE `b`.`article_id` = `articles`.`id` ORDER BY `b`.`position`)),
	'topics', (SELECT json_group_array(json(`x`)) FROM (SELECT json_object('id', `t`.`id`, 'slug', `t`.`slug`, 'title', `t`.`title`) AS `x` FROM `article_topics` `l` JOIN `topics` `t` ON `t`.`id` = `l`.`topic_id` WHERE `l`.`article_id` = `articles`.`id` ORDER BY `l`.`position`)),
	'tags', (SELECT json_group_array(`tag`) FROM (SELECT `tag` FROM `article_tags` WHERE `article_id` = `articles`.`id` ORDER BY `position`))
);
