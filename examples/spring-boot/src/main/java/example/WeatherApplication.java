package example;

import java.nio.charset.StandardCharsets;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.http.MediaType;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;

/** A small XML weather service; the same controller runs on Spring MVC and WebFlux. */
@SpringBootApplication
public class WeatherApplication {

    private static final byte[] WEATHER = ("<?xml version=\"1.0\"?><weather><city>Oslo</city><temperature unit=\"C\">4</temperature>"
            + "<wind unit=\"m/s\">6</wind><sky>overcast</sky></weather>\n").getBytes(StandardCharsets.UTF_8);

    public static void main(String[] args) {
        SpringApplication.run(WeatherApplication.class, args);
    }

    @RestController
    static class Weather {
        @GetMapping(value = "/weather.xml", produces = MediaType.APPLICATION_XML_VALUE)
        byte[] weather() {
            return WEATHER;
        }
    }
}
