-- Each article's public summary as JSON, made at write time (src/articles/summary-template.ts); null until written again or filled by `migrate`.
ALTER TABLE `articles` ADD `summary_template` text;