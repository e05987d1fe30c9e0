package org.closepolicy.jetty; final class Placeholder {}
