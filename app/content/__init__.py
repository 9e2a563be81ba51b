"""What debates, proposals and later modules share: tags, commentable targets, Markdown."""
