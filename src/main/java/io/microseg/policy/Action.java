package io.microseg.policy;

public enum Action { ALLOW, DENY }
