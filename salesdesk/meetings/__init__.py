"""The weekly pipeline meeting (週次営業会議): the pipeline as of any moment, what changed between
two moments to the yen (the bridge), the review page and the board's "since the last meeting"."""
